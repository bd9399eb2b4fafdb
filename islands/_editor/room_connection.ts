/**
 * The collaboration socket of one room: the Yjs document, the y-websocket
 * provider, and a status that reads well in the status pill.
 *
 * @module
 */
import * as decoding from "lib0/decoding";
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import { describeSave, type SaveFacts, type SaveState } from "./save_state.ts";
import {
  type ConnectionStatus,
  describeStatus,
  INITIAL_STATUS,
  type StatusFacts,
} from "./connection_status.ts";
import {
  ACCESS_PARAM,
  DurabilityStatus,
  isFinalClose,
  MessageType,
  OWNER_PARAM,
  RUNS_PARAM,
  SAVED_CLIENT_PARAM,
} from "../../lib/shared/wire.ts";

export type { ConnectionStatus } from "./connection_status.ts";

/** Options for {@linkcode RoomConnection}. */
export interface RoomConnectionOptions {
  /** Base URL of the collaboration socket, e.g. `wss://duet.example/ws`. */
  serverUrl: string;
  /** The owner's proof of the key (`lib/shared/owner_proof.ts`); the socket waits for it. */
  ownerProof?: Promise<string | undefined>;
  /** Called with the server's access flags (`AccessFlag`) on join and when they change. */
  onAccess?: (flags: number) => void;
  /** Called whenever the status changes. */
  onStatus: (status: ConnectionStatus) => void;
  /** Called once, the first time the document has caught up with the server. */
  onFirstSync: () => void;
  /** Called whenever the save state changes. */
  onSave?: (state: SaveState) => void;
  /** The browser window, for online/offline events and `navigator.onLine`. */
  window: Window;
  /** Called with the body of each run message (runs started, their output, kept runs). */
  onRunMessage?: (body: Uint8Array) => void;
}

/**
 * A room's shared document and its socket. The document keeps working while
 * the socket is down; Yjs merges both sides on reconnect.
 */
export class RoomConnection {
  /** The shared document. */
  readonly doc: Y.Doc;
  /** The y-websocket provider; its `awareness` carries presence. */
  readonly provider: WebsocketProvider;
  readonly #options: RoomConnectionOptions;
  readonly #facts: StatusFacts;
  #synced = false;
  #status: ConnectionStatus = INITIAL_STATUS;
  readonly #save: SaveFacts = {
    localClock: 0,
    savedClock: 0,
    storageDown: false,
    connected: false,
    online: true,
  };
  #saveState?: SaveState;

  constructor(roomId: string, options: RoomConnectionOptions) {
    this.#options = options;
    this.#facts = {
      connected: false,
      everConnected: false,
      online: options.window.navigator.onLine,
      closed: null,
    };
    this.#save.online = this.#facts.online;
    this.doc = new Y.Doc();
    this.provider = new WebsocketProvider(
      options.serverUrl,
      roomId,
      this.doc,
      {
        connect: false,
        // Ask the server for receipts of this client's own edits.
        // And the room's runs of its code.
        // And whether we may edit (message type 102), proving the owner key when we hold it.
        params: {
          [SAVED_CLIENT_PARAM]: String(this.doc.clientID),
          [RUNS_PARAM]: "1",
          [ACCESS_PARAM]: "1",
        },
        shouldReconnect: (event) => !isFinalClose(event.code),
      },
    );
    // Duet's save receipts: [status, clock]. Saved: our edits up to `clock`
    // are in the database; storage unavailable: the server cannot write now.
    this.provider.messageHandlers[MessageType.durability] = (_encoder, decoder) => {
      const status = decoding.readVarUint(decoder);
      const clock = decoding.readVarUint(decoder);
      if (status === DurabilityStatus.saved) {
        this.#save.savedClock = Math.max(this.#save.savedClock, clock);
        this.#save.storageDown = false;
      } else {
        this.#save.storageDown = true;
      }
      this.#publishSave();
    };
    this.provider.messageHandlers[MessageType.access] = (_encoder, decoder) => {
      options.onAccess?.(decoding.readVarUint(decoder));
    };
    this.provider.messageHandlers[MessageType.run] = (_encoder, decoder) => {
      options.onRunMessage?.(decoder.arr.subarray(decoder.pos));
      decoder.pos = decoder.arr.length;
    };
    this.doc.on("update", this.#onDocUpdate);
    this.provider.on("status", this.#onProviderStatus);
    this.provider.on("sync", this.#onSync);
    this.provider.on("connection-close", this.#onConnectionClose);
    options.window.addEventListener("online", this.#onOnline);
    options.window.addEventListener("offline", this.#onOffline);
    this.#publish();
    if (!options.ownerProof) this.provider.connect();
    else {
      // The provider builds its URL from `params` on every connect.
      options.ownerProof.then((proof) => {
        if (proof) this.provider.params[OWNER_PARAM] = proof;
      }, (error: unknown) => console.error("Could not prove the owner key", error))
        .finally(() => this.provider.connect());
    }
  }

  /** The current status. */
  get status(): ConnectionStatus {
    return this.#status;
  }

  /**
   * Sends a message of Duet's own over the socket; false when not connected
   * (the message is not sent).
   */
  send(message: Uint8Array): boolean {
    const socket = this.provider.ws;
    if (!this.provider.wsconnected || socket === null || socket.readyState !== WebSocket.OPEN) {
      return false;
    }
    socket.send(message);
    return true;
  }

  /** Whether the server ended the session for good. */
  get closed(): boolean {
    return this.#facts.closed !== null;
  }

  /** Closes the socket, stops listening and destroys the document. */
  destroy(): void {
    this.#options.window.removeEventListener("online", this.#onOnline);
    this.#options.window.removeEventListener("offline", this.#onOffline);
    this.provider.off("status", this.#onProviderStatus);
    this.provider.off("sync", this.#onSync);
    this.provider.off("connection-close", this.#onConnectionClose);
    this.doc.off("update", this.#onDocUpdate);
    this.provider.destroy();
    this.doc.destroy();
  }

  #onProviderStatus = (event: { status: string }): void => {
    this.#facts.connected = event.status === "connected";
    if (this.#facts.connected) {
      this.#facts.everConnected = true;
      this.#facts.dropped = null;
    }
    this.#save.connected = this.#facts.connected;
    this.#publish();
    this.#publishSave();
  };

  #onDocUpdate = (_update: Uint8Array, origin: unknown): void => {
    // Changes from the server are not ours to save.
    if (origin === this.provider) return;
    this.#save.localClock = Y.getState(this.doc.store, this.doc.clientID);
    this.#publishSave();
  };

  #publishSave(): void {
    const next = describeSave(this.#save);
    if (next.text === this.#saveState?.text && next.detail === this.#saveState.detail) return;
    this.#saveState = next;
    this.#options.onSave?.(next);
  }

  #onSync = (synced: boolean): void => {
    if (!synced || this.#synced) return;
    this.#synced = true;
    this.#options.onFirstSync();
  };

  #onConnectionClose = (event: CloseEvent | null): void => {
    // `null` means we closed the socket ourselves.
    if (event === null) return;
    if (!isFinalClose(event.code)) {
      // Say why while reconnecting (too slow, too many messages, restarting…).
      this.#facts.dropped = event.reason;
      this.#publish();
      return;
    }
    this.#facts.closed = { code: event.code, reason: event.reason };
    this.#publish();
    // The provider already stops retrying for these; disconnecting also tells
    // other tabs (over BroadcastChannel) that we left. It runs after the
    // provider has finished handling this close, which it is in the middle of.
    queueMicrotask(() => this.provider.disconnect());
  };

  #onOnline = (): void => {
    this.#facts.online = true;
    this.#save.online = true;
    this.#publish();
    this.#publishSave();
  };

  #onOffline = (): void => {
    this.#facts.online = false;
    this.#save.online = false;
    this.#publish();
    this.#publishSave();
  };

  #publish(): void {
    const next = describeStatus(this.#facts);
    if (next.phase === this.#status.phase && next.text === this.#status.text) {
      return;
    }
    this.#status = next;
    this.#options.onStatus(next);
  }
}
