import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import {
  applyPresence,
  decodePresenceUpdate,
  type DroppedPresenceField,
  encodePresenceUpdate,
} from "./awareness_guard.ts";
import { DocumentSize } from "./document_size.ts";
import type { LanguageId } from "../shared/languages.ts";
import { DEFAULT_LIMITS } from "../ops/limits.ts";
import { CODE_TEXT, codeOf, languageOf, SETTINGS_MAP } from "./document.ts";
import {
  decodeMessage,
  encodeAccess,
  encodeAwareness,
  encodeSaved,
  encodeStorageUnavailable,
  encodeSyncStep1,
  encodeUpdate,
  ProtocolError,
} from "./protocol.ts";
import { AccessFlag, CloseCode, MessageType } from "../shared/wire.ts";
import { checkUpdate } from "./update_guard.ts";
import { RunHistory } from "./run_history.ts";
import {
  ClientRunEventSchema,
  decodeRunBody,
  encodeRunMessage,
  type ServerRunEvent,
} from "../shared/run_wire.ts";

/** One connected person, as the room sees them: somewhere to send bytes. */
export interface Participant {
  send(message: Uint8Array): void;
  /**
   * The Yjs client id whose edits this connection wants save receipts for
   * (it asked with `?saved=<clientID>`); `undefined` for none.
   */
  readonly savedClientId?: number;
  /** Whether this connection hears runs (it asked with `?runs=1`). */
  readonly wantsRuns?: boolean;
  /** `view`: came through the read-only link, never edits. Default `edit`. */
  readonly access?: "edit" | "view";
  /** Proved it holds the owner key: edits even while the room is locked. */
  readonly owner?: boolean;
  /** The link it came through, so that rotating or disabling that link closes it. */
  readonly linkId?: string;
  /** Wants access messages (`?access=1`): whether it may edit, live. */
  readonly wantsAccess?: boolean;
  /** Ends this participant's connection with a close code (the hub closes the socket). */
  close?(error: ProtocolError): void;
}

/** Which links open a room and whether it is locked (see `RoomLinks` in storage). */
export interface RoomAccess {
  editId: string;
  viewId: string | null;
  locked: boolean;
}

/** Origin of changes that came from another process through the bus. */
export const REMOTE_ORIGIN: unique symbol = Symbol("remote");

/**
 * Where a room's changes go beyond its participants. The registry gives each
 * room these (`RoomRegistry.#hooksFor`): updates to the update log, presence
 * to the bus, changes to the compaction timer.
 */
export interface RoomHooks {
  /**
   * Asked before a participant's update of this many bytes is applied; false
   * refuses it (the connection is closed with 1013) so nothing is accepted
   * that cannot be written.
   */
  admitUpdate(bytes: number): boolean;
  /** Each change made in this process, once applied and relayed (to append to the log). */
  onUpdate(update: Uint8Array): void;
  /** Each presence message from a participant, as relayed (to share with other processes). */
  onPresence(message: Uint8Array): void;
  /** After every change to the document, this process's or another's. */
  onChange(): void;
}

/** Hooks that keep everything in the room: nothing is stored or shared. */
export const IN_MEMORY_ONLY: RoomHooks = {
  admitUpdate: () => true,
  onUpdate: () => {},
  onPresence: () => {},
  onChange: () => {},
};

/** Options for {@linkcode Room}. */
export interface RoomOptions {
  /** The stored document to start from. */
  state?: Uint8Array;
  /** Log rows to apply on top of `state`, in order. */
  updates?: Uint8Array[];
  /** The language when the document holds none. */
  language: LanguageId;
  /** Where changes go; default {@linkcode IN_MEMORY_ONLY}. */
  hooks?: RoomHooks;
  /** Links and lock; without them every participant may edit. */
  links?: RoomAccess;
}

/** Limits {@linkcode Room.receive} holds a participant's messages to. */
export interface ReceiveOptions {
  /** Largest code, in UTF-8 bytes; default {@linkcode DEFAULT_LIMITS}. */
  maxDocumentBytes?: number;
  /** Largest presence state, in bytes of JSON; default {@linkcode DEFAULT_LIMITS}. */
  maxPresenceBytes?: number;
}

/** What {@linkcode Room.receive} accepted only in part. */
export interface ReceiveReport {
  /** Invalid presence fields that were dropped (the rest of the state was relayed). */
  droppedPresence: readonly DroppedPresenceField[];
}

const FULLY_ACCEPTED: ReceiveReport = Object.freeze({ droppedPresence: Object.freeze([]) });

function encodeAwarenessMessage(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.awareness);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

/**
 * A room's live state: its Yjs document, the presence of the people in it and
 * their connections. Sockets, storage and timers live elsewhere.
 *
 * A participant's update is checked ({@linkcode checkUpdate}, the document
 * size, `hooks.admitUpdate`), applied, relayed byte for byte to the other
 * participants, then handed to `hooks.onUpdate`; presence is validated,
 * applied, relayed, then handed to `hooks.onPresence`.
 */
export class Room {
  readonly roomId: string;
  readonly doc: Y.Doc;
  readonly awareness: awarenessProtocol.Awareness;
  /** Each participant and the awareness client ids they have announced. */
  #participants = new Map<Participant, Set<number>>();
  #fallbackLanguage: LanguageId;
  #hooks: RoomHooks;
  /** The last save receipt sent to each participant. */
  #acknowledged = new WeakMap<Participant, number>();
  /** Each participant's presence identity: the first awareness client id it announced. */
  #identities = new Map<Participant, number>();
  #owners = new Map<number, Participant>();
  #documentSize?: DocumentSize;
  #runs = new RunHistory<Participant>();
  #links?: RoomAccess;
  #deleted = false;

  constructor(roomId: string, options: RoomOptions) {
    this.roomId = roomId;
    this.doc = new Y.Doc({ gc: true });
    this.doc.transact(() => {
      if (options.state) Y.applyUpdate(this.doc, options.state);
      for (const update of options.updates ?? []) Y.applyUpdate(this.doc, update);
    }, REMOTE_ORIGIN);
    this.#fallbackLanguage = options.language;
    const hooks = this.#hooks = options.hooks ?? IN_MEMORY_ONLY;
    this.#links = options.links;
    this.awareness = new awarenessProtocol.Awareness(this.doc);
    // The server is not a person in the room.
    this.awareness.setLocalState(null);

    this.doc.on("update", (update: Uint8Array, origin: unknown) => {
      this.#broadcast(encodeUpdate(update), origin);
      // Changes from the bus are already in the log.
      if (origin !== REMOTE_ORIGIN) hooks.onUpdate(update);
      hooks.onChange();
    });
    this.awareness.on(
      "update",
      (
        changes: { added: number[]; updated: number[]; removed: number[] },
        origin: unknown,
      ) => {
        const clients = this.#participants.get(origin as Participant);
        if (!clients) return;
        for (const id of changes.added) clients.add(id);
        for (const id of changes.removed) clients.delete(id);
      },
    );
  }

  /** How many participants are connected. */
  get size(): number {
    return this.#participants.size;
  }

  /** The room's code as plain text. */
  get code(): string {
    return codeOf(this.doc);
  }

  /** The room's language. */
  get language(): LanguageId {
    const language = languageOf(this.doc, this.#fallbackLanguage);
    this.#fallbackLanguage = language;
    return language;
  }

  /** The whole document as one update, for storage. */
  encodeState(): Uint8Array {
    return Y.encodeStateAsUpdate(this.doc);
  }

  /**
   * Adds a participant and sends them the server's sync step 1 and everyone's
   * presence. The client sends its own step 1, which {@linkcode receive}
   * answers with step 2: the client counts itself synced only then.
   */
  join(participant: Participant): void {
    const refused = this.#refusal(participant);
    if (refused) throw refused;
    this.#participants.set(participant, new Set());
    if (participant.wantsAccess) participant.send(encodeAccess(this.#accessFlags(participant)));
    participant.send(encodeSyncStep1(this.doc));
    const states = [...this.awareness.getStates().keys()];
    if (states.length) {
      participant.send(encodeAwareness(this.awareness, states));
    }
    if (participant.wantsRuns && this.#runs.runs.length > 0) {
      participant.send(encodeRunMessage({ t: "history", runs: [...this.#runs.runs] }));
    }
  }

  /** Removes a participant and tells the others they are gone. */
  leave(participant: Participant): void {
    const clients = this.#participants.get(participant);
    if (!clients) return;
    this.#participants.delete(participant);
    this.#broadcastRuns(this.#runs.leave(participant), participant);
    const identity = this.#identities.get(participant);
    if (identity !== undefined) {
      this.#identities.delete(participant);
      this.#owners.delete(identity);
    }
    const gone = [...clients].filter((id) => this.awareness.getStates().has(id));
    if (gone.length) {
      awarenessProtocol.removeAwarenessStates(this.awareness, gone, null);
      const removal = encodeAwareness(this.awareness, gone);
      this.#broadcast(removal, null);
      this.#hooks.onPresence(removal);
    }
  }

  /**
   * Handles one message from a participant.
   *
   * @throws {ProtocolError} when the message is malformed or goes past a
   * limit; the caller closes that participant's connection and the room goes on.
   * @returns what was dropped from an accepted message, for the caller to count.
   */
  receive(
    participant: Participant,
    data: Uint8Array,
    options: ReceiveOptions = {},
  ): ReceiveReport {
    if (!this.#participants.has(participant)) {
      throw new RangeError("Participant has not joined this room");
    }
    const message = decodeMessage(data);
    switch (message.type) {
      case "sync":
        this.#receiveSync(participant, message.decoder, options);
        break;
      case "awareness": {
        const { entries, dropped, verbatim } = decodePresenceUpdate(message.update, {
          accepts: (clientId, removal) => this.#speaksFor(participant, clientId, removal),
          maxStateBytes: options.maxPresenceBytes ?? DEFAULT_LIMITS.maxPresenceBytes,
        });
        // The provider re-sends everyone's presence it hears; those echoes end here.
        if (entries.length === 0) break;
        applyPresence(this.awareness, entries, participant);
        // Relay the validated states: the message as received only when
        // validation kept all of it (the usual case: one person's own state).
        const relay = verbatim ? data : encodeAwarenessMessage(encodePresenceUpdate(entries));
        this.#broadcast(relay, participant);
        this.#hooks.onPresence(relay);
        if (dropped.length > 0) return { droppedPresence: dropped };
        break;
      }
      case "queryAwareness":
        participant.send(
          encodeAwareness(this.awareness, [...this.awareness.getStates().keys()]),
        );
        break;
      case "run":
        this.#receiveRun(participant, message.body);
        break;
    }
    return FULLY_ACCEPTED;
  }

  /** Whether the owner locked the room. */
  get locked(): boolean {
    return this.#links?.locked ?? false;
  }

  /** Whether `participant`'s document changes are accepted. */
  mayEdit(participant: Participant): boolean {
    if (participant.access === "view") return false;
    return !this.locked || participant.owner === true;
  }

  /**
   * Applies new links and lock (`undefined`: the room was deleted). Closes
   * the participants whose link no longer opens the room (all of them for a
   * deleted room) and tells the rest, who asked, whether they may edit now.
   */
  setAccess(links: RoomAccess | undefined): void {
    if (links === undefined) this.#deleted = true;
    else this.#links = links;
    for (const participant of [...this.#participants.keys()]) {
      const refused = this.#refusal(participant);
      if (refused) {
        participant.close?.(refused);
        continue;
      }
      if (participant.wantsAccess) participant.send(encodeAccess(this.#accessFlags(participant)));
    }
  }

  /** Applies an update another process logged. */
  applyRemoteUpdate(update: Uint8Array): void {
    Y.applyUpdate(this.doc, update, REMOTE_ORIGIN);
  }

  /** Applies and relays an awareness message from another process. */
  applyRemoteAwareness(message: Uint8Array): void {
    const decoded = decodeMessage(message);
    if (decoded.type !== "awareness") throw new ProtocolError("Not an awareness message");
    awarenessProtocol.applyAwarenessUpdate(this.awareness, decoded.update, REMOTE_ORIGIN);
    this.#broadcast(message, REMOTE_ORIGIN);
  }

  /**
   * For each participant that asked for save receipts, how far its own edits
   * go in the document now. Taken when a batch is cut: everything applied so
   * far is in that batch, an earlier one, or came from the log.
   */
  captureSaved(): Map<Participant, number> {
    const clocks = new Map<Participant, number>();
    for (const participant of this.#participants.keys()) {
      const clientId = participant.savedClientId;
      if (clientId !== undefined) clocks.set(participant, Y.getState(this.doc.store, clientId));
    }
    return clocks;
  }

  /** Sends save receipts for a committed batch (only where they moved). */
  acknowledge(clocks: Map<Participant, number>): void {
    for (const [participant, clock] of clocks) {
      if (!this.#participants.has(participant)) continue;
      if ((this.#acknowledged.get(participant) ?? -1) >= clock) continue;
      this.#acknowledged.set(participant, clock);
      participant.send(encodeSaved(clock));
    }
  }

  /** Tells participants who asked for receipts that saving stopped (or works again). */
  announceStorage(healthy: boolean): void {
    for (const participant of this.#participants.keys()) {
      if (participant.savedClientId === undefined) continue;
      if (healthy) {
        const clock = this.#acknowledged.get(participant);
        if (clock !== undefined) participant.send(encodeSaved(clock));
      } else {
        participant.send(encodeStorageUnavailable());
      }
    }
  }

  /** Frees the document and presence; the room must be empty. */
  destroy(): void {
    this.awareness.destroy();
    this.doc.destroy();
  }

  /** Why `participant` may not be in the room now; `undefined` when it may. */
  #refusal(participant: Participant): ProtocolError | undefined {
    if (this.#deleted) {
      return new ProtocolError("This room was deleted", CloseCode.roomDeleted);
    }
    const links = this.#links;
    if (!links || participant.linkId === undefined) return undefined;
    const valid = participant.access === "view"
      ? participant.linkId === links.viewId
      : participant.linkId === links.editId;
    return valid ? undefined : new ProtocolError(
      "The owner changed this room's link: ask them for the new one",
      CloseCode.linkRevoked,
    );
  }

  #accessFlags(participant: Participant): number {
    return (this.mayEdit(participant) ? AccessFlag.mayEdit : 0) |
      (this.locked ? AccessFlag.locked : 0) |
      (participant.access === "view" ? AccessFlag.viewOnly : 0);
  }

  /**
   * Whether `participant` may send presence for `clientId`. The first id it
   * announces is its identity; ids of other people (and the server's) are
   * never free, and a removal claims nothing.
   */
  #speaksFor(participant: Participant, clientId: number, removal: boolean): boolean {
    const identity = this.#identities.get(participant);
    if (identity !== undefined) return clientId === identity;
    if (
      removal || clientId === this.awareness.clientID || this.#owners.has(clientId) ||
      this.awareness.getStates().has(clientId)
    ) return false;
    this.#identities.set(participant, clientId);
    this.#owners.set(clientId, participant);
    return true;
  }

  #receiveSync(
    participant: Participant,
    decoder: decoding.Decoder,
    options: ReceiveOptions,
  ): void {
    let reply: Uint8Array | undefined;
    let update: Uint8Array | undefined;
    let step2 = false;
    try {
      const step = decoding.readVarUint(decoder);
      if (step === syncProtocol.messageYjsSyncStep1) {
        const stateVector = decoding.readVarUint8Array(decoder);
        const encoder = encoding.createEncoder();
        encoding.writeVarUint(encoder, MessageType.sync);
        syncProtocol.writeSyncStep2(encoder, this.doc, stateVector);
        reply = encoding.toUint8Array(encoder);
      } else if (
        step === syncProtocol.messageYjsSyncStep2 ||
        step === syncProtocol.messageYjsUpdate
      ) {
        step2 = step === syncProtocol.messageYjsSyncStep2;
        update = decoding.readVarUint8Array(decoder);
      } else {
        throw new ProtocolError(`Unknown sync message type ${step}`);
      }
      if (decoding.hasContent(decoder)) {
        throw new ProtocolError("Trailing bytes after a sync message");
      }
    } catch (error) {
      if (error instanceof ProtocolError) throw error;
      throw new ProtocolError(`Malformed sync message: ${String(error)}`);
    }
    if (reply) participant.send(reply);
    if (update) {
      // Checked in full before Yjs reads it: Yjs trusts its input, and keeps
      // what it cannot place yet (see update_guard.ts). Against the document
      // only for those who may edit: anyone else is refused for that first.
      const mayEdit = this.mayEdit(participant);
      const summary = checkUpdate(update, {
        isRootName: (name) =>
          name === CODE_TEXT || name === SETTINGS_MAP || this.doc.share.has(name),
        document: mayEdit ? this.doc : undefined,
      });
      if (!mayEdit) {
        // A read-only client's sync step 2 answers ours with what it has: for
        // an honest one, only what the room already holds. That is let
        // through (unapplied); any real change is refused.
        if (step2 && changesNothing(this.doc, update)) return;
        throw new ProtocolError(
          participant.access === "view"
            ? "This link is read-only: the change was not applied"
            : "The owner locked this room: the change was not applied",
          CloseCode.readOnly,
        );
      }
      this.#documentSize ??= new DocumentSize(this.doc);
      this.#documentSize.check(
        update,
        summary,
        options.maxDocumentBytes ?? DEFAULT_LIMITS.maxDocumentBytes,
      );
      if (!this.#hooks.admitUpdate(update.byteLength)) {
        throw new ProtocolError(
          "Changes cannot be saved right now; try again shortly",
          CloseCode.tryAgainLater,
        );
      }
      const store = this.doc.store;
      const pending = store.pendingStructs !== null || store.pendingDs !== null;
      try {
        Y.applyUpdate(this.doc, update, participant);
      } catch (error) {
        throw new ProtocolError(`Malformed document update: ${String(error)}`);
      }
      // The guard refuses whatever Yjs would park; should it ever miss, the
      // parked part is dropped (never stored or sent to joiners) and the
      // sender closed.
      if (!pending && (store.pendingStructs !== null || store.pendingDs !== null)) {
        store.pendingStructs = null;
        store.pendingDs = null;
        throw new ProtocolError(
          "Update depends on content this room does not have",
          CloseCode.policyViolation,
          { reason: "missing_dependency" },
        );
      }
    }
  }

  /** A run event from a participant's page: checked, held to the limits, relayed. */
  #receiveRun(participant: Participant, body: Uint8Array): void {
    let parsed;
    try {
      parsed = ClientRunEventSchema.safeParse(decodeRunBody(body));
    } catch (error) {
      throw new ProtocolError(`Malformed run message: ${String(error)}`);
    }
    if (!parsed.success) {
      throw new ProtocolError(`Invalid run message: ${parsed.error.issues[0]?.message}`);
    }
    // Only people who may edit may run (their output and ends count only for
    // a run they started, so refusing the start is enough).
    if (parsed.data.t === "start" && !this.mayEdit(participant)) {
      throw new ProtocolError(
        "Only people who may edit this room can run its code",
        CloseCode.readOnly,
      );
    }
    this.#broadcastRuns(
      this.#runs.receive(participant, this.#nameOf(participant), parsed.data),
      participant,
    );
  }

  /** The participant's name as their presence says, for "who ran it". */
  #nameOf(participant: Participant): string {
    const identity = this.#identities.get(participant);
    const state = identity === undefined ? undefined : this.awareness.getStates().get(identity);
    const name = (state?.user as { name?: unknown } | undefined)?.name;
    return typeof name === "string" && name.trim() !== "" ? name.trim() : "Someone";
  }

  #broadcastRuns(events: ServerRunEvent[], except: Participant): void {
    for (const event of events) {
      const message = encodeRunMessage(event);
      for (const participant of this.#participants.keys()) {
        if (participant !== except && participant.wantsRuns) participant.send(message);
      }
    }
  }

  #broadcast(message: Uint8Array, except: unknown): void {
    for (const participant of this.#participants.keys()) {
      if (participant !== except) participant.send(message);
    }
  }
}

/**
 * Whether applying `update` (already checked by the update guard) would leave
 * `doc` as it is: every struct already known and every deleted range already
 * deleted. Costs the update's size times a binary search, never the
 * document's size.
 */
export function changesNothing(doc: Y.Doc, update: Uint8Array): boolean {
  const { structs, ds } = Y.decodeUpdate(update);
  for (const struct of structs) {
    if (struct instanceof Y.Skip) continue;
    if (struct.id.clock + struct.length > Y.getState(doc.store, struct.id.client)) return false;
  }
  for (const [client, ranges] of ds.clients) {
    const known = doc.store.clients.get(client);
    for (const { clock, len } of ranges) {
      if (len === 0) continue;
      if (!known || clock + len > Y.getState(doc.store, client)) return false;
      let index = Y.findIndexSS(known, clock);
      let covered = clock;
      while (covered < clock + len) {
        const struct = known[index++];
        if (!struct.deleted) return false;
        covered = struct.id.clock + struct.length;
      }
    }
  }
  return true;
}
