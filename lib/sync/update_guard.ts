// Hand-written: Yjs has no validating reader, and its own decoder trusts the counts it reads (below).
/**
 * Checks a Yjs update (format v1) from a client before Yjs reads it.
 *
 * Yjs trusts its input: a 10-byte update claiming 30 million structs makes it
 * allocate that many slots at once, a subdocument item creates a `Y.Doc`, and
 * an error halfway through leaves the structs read so far applied (and
 * broadcast). This walks the whole encoding first without building anything,
 * so that what reaches `Y.applyUpdate` is well formed and proportionate to
 * its size: every count is bounded by the bytes left, nesting is bounded,
 * nothing follows the delete set.
 *
 * Given the room's document, it also checks that the update fits that
 * document, because a well-formed update can still be hostile:
 *
 * - **Nothing pending.** Yjs keeps structs whose dependencies it lacks (an
 *   earlier clock of the same client, a left or right origin) and deletions
 *   of clocks it has not seen as *pending* state: it re-applies them on every
 *   later update, encodes them into the stored document and sends them to
 *   every joiner. A delete set naming a participant's next clocks erases
 *   whatever they type next; one naming a million made-up clients costs
 *   megabytes and every later keystroke. So an update may depend only on
 *   structs the document holds or the update itself brings, and delete only
 *   clocks the document holds after applying it. This has to be decided
 *   before `Y.applyUpdate`: Yjs integrates what it can, fires the update and
 *   only then parks the rest, and cannot undo. The check replays Yjs's own
 *   integration order (`integrateStructs`: clients from the highest id down,
 *   a stack for cross-client dependencies) on the decoded ids only, so it
 *   refuses exactly what Yjs would keep pending, and costs a state lookup
 *   per reference (a binary search only to place an item, below). A
 *   legitimate client never needs more: what it sends depends on its own
 *   edits and on what it received from the server, which the server had
 *   first; after a reconnect its sync step 2 carries everything the server
 *   lacks.
 * - **Plain text and known settings.** The `code` text holds strings only:
 *   embeds, formatting marks, nested types and values that are not text are
 *   refused (y-codemirror.next cannot show them; an editor froze, and every
 *   later keystroke landed one position off). The settings map holds only
 *   the keys of {@linkcode SETTINGS_VALUES}, with values they accept. An
 *   item with an origin inherits its parent from the item it was inserted
 *   next to, found in the document (binary search) or earlier in the update.
 *
 * @module
 */
import * as decoding from "lib0/decoding";
import * as Y from "yjs";
import { CODE_TEXT, SETTINGS_MAP, SETTINGS_VALUES } from "./document.ts";
import { CloseCode } from "../shared/wire.ts";
import { ProtocolError } from "./protocol.ts";

/** What {@linkcode checkUpdate} learnt about an update. */
export interface UpdateSummary {
  /** Structs (items, garbage-collected ranges, skips) in the update. */
  structs: number;
  /** Bytes of content it inserts (anything but deletions); 0 for a pure deletion. */
  insertedBytes: number;
}

/** Options for {@linkcode checkUpdate}. */
export interface CheckUpdateOptions {
  /** Whether a top-level shared type of this name may be written; default any. */
  isRootName?: (name: string) => boolean;
  /** Deepest nesting of embedded values (arrays in objects…); default 32. */
  maxDepth?: number;
  /**
   * The room's document. When given, the update must also fit it: depend only
   * on structs it holds or the update brings, delete only clocks it holds,
   * and keep to Duet's content (strings in `code`, known settings).
   */
  document?: Y.Doc;
}

const BIT6 = 32;
const BIT7 = 64;
const BIT8 = 128;
const BITS5 = 31;

/** Content kinds of an item (the low five bits of its info byte). */
const Content = {
  gc: 0,
  deleted: 1,
  json: 2,
  binary: 3,
  string: 4,
  embed: 5,
  format: 6,
  type: 7,
  any: 8,
  doc: 9,
  skip: 10,
} as const;

/** What each content kind is, for refusals. */
const CONTENT_NAMES = [
  "garbage",
  "deleted",
  "JSON",
  "binary",
  "text",
  "embedded",
  "formatting",
  "nested shared type",
  "value",
  "subdocument",
  "skipped",
];

/** Type refs that carry a name (`YXmlElement`, `YXmlHook`). */
const NAMED_TYPE_REFS = new Set([3, 5]);
const TYPE_REF_COUNT = 7;

/** No reference (an item without an origin or right origin). */
const NONE = -1;

/** One struct of an update, as far as the document checks need it. */
interface Struct {
  client: number;
  clock: number;
  length: number;
  /** Content kind ({@linkcode Content}); `gc` and `skip` for those structs. */
  kind: number;
  originClient: number;
  originClock: number;
  rightClient: number;
  rightClock: number;
  /** The root type it names as its parent, or null when it inherits one. */
  root: string | null;
  /** The map key it names, or null. */
  key: string | null;
  /** Where its content starts in the update. */
  contentAt: number;
  /** Where Yjs puts it, once placed; null when Yjs drops it as garbage. */
  placement?: Placement | null;
}

/** Where an item sits: a root type (or {@linkcode NESTED}) and its map key. */
interface Placement {
  root: string;
  key: string | null;
}

/** The placement root of items inside a nested type (none in Duet's documents). */
const NESTED = "\0nested";

/** One client's structs in an update, and how many were taken so far. */
interface ClientStructs {
  structs: Struct[];
  next: number;
}

/**
 * Throws a {@linkcode ProtocolError} unless `update` is a complete,
 * well-formed Yjs v1 update that Duet accepts: 1007 when it is malformed,
 * and, when `options.document` is given, 1008 when it depends on or deletes
 * what the document does not hold and 4422 when its content is not Duet's.
 *
 * @example
 * ```ts
 * const { insertedBytes } = checkUpdate(update, { document: room.doc });
 * ```
 */
export function checkUpdate(update: Uint8Array, options: CheckUpdateOptions = {}): UpdateSummary {
  const reader = new Reader(update);
  const isRootName = options.isRootName ?? (() => true);
  const maxDepth = options.maxDepth ?? 32;
  const document = options.document;
  const clientStructs = document ? new Map<number, ClientStructs>() : undefined;
  const deletes: number[] = [];
  let structs = 0;
  let insertedBytes = 0;

  const clients = reader.count("client groups", 3);
  for (let c = 0; c < clients; c++) {
    const count = reader.count("structs", 2);
    const client = reader.uint();
    let clock = reader.uint();
    let list: Struct[] | undefined;
    if (clientStructs) {
      // Yjs would keep only the last group of a client; no client writes two.
      if (clientStructs.has(client)) fail("Update lists a client twice");
      list = [];
      clientStructs.set(client, { structs: list, next: 0 });
    }
    // Yjs takes a reference to the item's own client as already integrated
    // (it integrates each client's structs in clock order), so one pointing
    // at or past the item itself corrupts its store.
    const reference = (): [number, number] => {
      const id = reader.id();
      if (id[0] === client && id[1] >= clock) fail("Update refers to a later struct");
      return id;
    };
    for (let s = 0; s < count; s++) {
      structs++;
      const info = reader.byte();
      const kind = info & BITS5;
      let length: number;
      let origin: [number, number] | undefined;
      let right: [number, number] | undefined;
      let root: string | null = null;
      let key: string | null = null;
      let contentAt = 0;
      if (kind === Content.gc || kind === Content.skip) {
        length = reader.uint();
      } else {
        const hasOrigin = (info & BIT8) !== 0;
        const hasRightOrigin = (info & BIT7) !== 0;
        if (hasOrigin) origin = reference();
        if (hasRightOrigin) right = reference();
        if (!hasOrigin && !hasRightOrigin) {
          if (reader.uint() === 1) {
            root = reader.string();
            if (!isRootName(root)) fail("Update writes to a shared type this room does not have");
          } else {
            reference();
            // Duet's documents have no nested types for an item to sit in.
            if (document) refuseContent("Update writes inside a nested shared type");
          }
          if ((info & BIT6) !== 0) key = reader.string(); // key in a map
        }
        contentAt = reader.position;
        length = readContent(reader, kind, maxDepth);
        if (kind !== Content.deleted) insertedBytes += reader.position - contentAt;
        if (
          document && kind !== Content.string && kind !== Content.any && kind !== Content.deleted
        ) {
          refuseContent(`The code holds plain text only: ${CONTENT_NAMES[kind]} content refused`);
        }
      }
      if (length < 1) fail("Update holds an empty struct");
      if (clock + length > Number.MAX_SAFE_INTEGER) fail("Update clock out of range");
      list?.push({
        client,
        clock,
        length,
        kind,
        originClient: origin ? origin[0] : NONE,
        originClock: origin ? origin[1] : NONE,
        rightClient: right ? right[0] : NONE,
        rightClock: right ? right[1] : NONE,
        root,
        key,
        contentAt,
      });
      clock += length;
    }
  }

  const deleteClients = reader.count("delete-set clients", 2);
  for (let c = 0; c < deleteClients; c++) {
    const client = reader.uint();
    const ranges = reader.count("deleted ranges", 2);
    for (let r = 0; r < ranges; r++) {
      const clock = reader.uint();
      const length = reader.uint();
      // Yjs cannot encode an empty range again: it would break every later save.
      if (length < 1) fail("Update deletes an empty range");
      if (clock + length > Number.MAX_SAFE_INTEGER) fail("Deleted range out of range");
      if (document) deletes.push(client, clock + length);
    }
  }
  if (reader.remaining > 0) fail("Trailing bytes after a document update");

  if (document && clientStructs) {
    const state = integrate(document, clientStructs, update);
    for (let i = 0; i < deletes.length; i += 2) {
      const client = deletes[i];
      // Deletions apply after the structs: the state includes the update's own.
      if (deletes[i + 1] > (state.get(client) ?? Y.getState(document.store, client))) {
        refuseDependency("Update deletes content this room does not have");
      }
    }
  }
  return { structs, insertedBytes };
}

/**
 * Replays Yjs's `integrateStructs` on the update's struct ids against
 * `document`: throws where Yjs would keep a struct pending, and checks each
 * struct's content where Yjs would place it. Returns each client's clock
 * after the update.
 */
function integrate(
  document: Y.Doc,
  clientStructs: Map<number, ClientStructs>,
  update: Uint8Array,
): Map<number, number> {
  const store = document.store;
  if (clientStructs.size === 0) return new Map();
  /** Each client's clock before the update; what lies below is in the document. */
  const before = new Map<number, number>();
  const state = new Map<number, number>();
  const stateOf = (client: number): number => {
    let clock = state.get(client);
    if (clock === undefined) {
      clock = Y.getState(store, client);
      state.set(client, clock);
      before.set(client, clock);
    }
    return clock;
  };
  const missingClient = (struct: Struct): number | undefined => {
    if (
      struct.originClient !== NONE && struct.originClient !== struct.client &&
      struct.originClock >= stateOf(struct.originClient)
    ) return struct.originClient;
    if (
      struct.rightClient !== NONE && struct.rightClient !== struct.client &&
      struct.rightClock >= stateOf(struct.rightClient)
    ) return struct.rightClient;
    return undefined;
  };
  /** Where the struct holding `client`'s `clock` sits (it is integrated). */
  const placementAt = (client: number, clock: number): Placement | null => {
    if (clock < stateOf(client) && clock >= (before.get(client) ?? 0)) {
      const { structs } = clientStructs.get(client)!;
      let low = 0;
      let high = structs.length - 1;
      while (low < high) {
        const middle = (low + high + 1) >>> 1;
        if (structs[middle].clock <= clock) low = middle;
        else high = middle - 1;
      }
      return structs[low].placement ?? null;
    }
    return placementInDocument(document, client, clock);
  };
  const place = (struct: Struct): void => {
    if (struct.kind === Content.gc) return;
    let placement: Placement | null;
    if (struct.originClient === NONE && struct.rightClient === NONE) {
      placement = { root: struct.root!, key: struct.key };
    } else {
      const left = struct.originClient === NONE
        ? undefined
        : placementAt(struct.originClient, struct.originClock);
      const right = struct.rightClient === NONE
        ? undefined
        : placementAt(struct.rightClient, struct.rightClock);
      // As Yjs: next to garbage, an item becomes garbage; else it joins its left neighbour's parent.
      if (left === null || right === null) placement = null;
      else {
        placement = left ?? right!;
        if (left && right && (left.root !== right.root || left.key !== right.key)) {
          refuseContent("Update links content of two shared types");
        }
      }
    }
    struct.placement = placement;
    if (placement) checkContent(struct, placement, update);
  };

  // Yjs takes clients from the highest id down, and follows a dependency on
  // another client's structs with a stack.
  const order = [...clientStructs.keys()].sort((a, b) => a - b);
  const nextTarget = (): ClientStructs | undefined => {
    while (order.length > 0) {
      const target = clientStructs.get(order[order.length - 1])!;
      if (target.next < target.structs.length) return target;
      order.pop();
    }
    return undefined;
  };
  let target = nextTarget();
  if (!target) return state;
  let head = target.structs[target.next++];
  const stack: Struct[] = [];
  while (true) {
    if (head.kind !== Content.skip) {
      const local = stateOf(head.client);
      if (local < head.clock) {
        refuseDependency("Update depends on content this room does not have");
      }
      const missing = missingClient(head);
      if (missing !== undefined) {
        stack.push(head);
        const structs = clientStructs.get(missing);
        if (!structs || structs.next === structs.structs.length) {
          refuseDependency("Update depends on content this room does not have");
        }
        head = structs.structs[structs.next++];
        continue;
      }
      if (local < head.clock + head.length) {
        place(head);
        state.set(head.client, head.clock + head.length);
      }
    }
    const popped = stack.pop();
    if (popped) head = popped;
    else if (target && target.next < target.structs.length) head = target.structs[target.next++];
    else {
      target = nextTarget();
      if (!target) break;
      head = target.structs[target.next++];
    }
  }
  return state;
}

/** Where the document's struct holding `client`'s `clock` sits. */
function placementInDocument(document: Y.Doc, client: number, clock: number): Placement | null {
  const structs = document.store.clients.get(client);
  if (!structs) return null;
  const struct = structs[Y.findIndexSS(structs, clock)];
  if (!(struct instanceof Y.Item)) return null;
  const parent = struct.parent;
  if (!(parent instanceof Y.AbstractType)) return null;
  // Identity first: Yjs's findRootTypeKey walks the share map, a few µs a keystroke.
  const root = parent._item !== null
    ? NESTED
    : parent === document.share.get(CODE_TEXT)
    ? CODE_TEXT
    : parent === document.share.get(SETTINGS_MAP)
    ? SETTINGS_MAP
    : Y.findRootTypeKey(parent);
  return { root, key: struct.parentSub };
}

/** Throws unless `struct`'s content may sit at `placement` in a Duet document. */
function checkContent(struct: Struct, placement: Placement, update: Uint8Array): void {
  switch (struct.kind) {
    case Content.deleted:
      return;
    case Content.string:
      if (placement.root !== CODE_TEXT || placement.key !== null) {
        refuseContent("Update puts text outside the code");
      }
      return;
    case Content.any: {
      const schema = placement.root === SETTINGS_MAP && placement.key !== null
        ? SETTINGS_VALUES.get(placement.key)
        : undefined;
      if (!schema) {
        refuseContent(
          placement.root === CODE_TEXT
            ? "The code holds plain text only: value content refused"
            : "Update writes a setting Duet does not have",
        );
      }
      // Checked by the walk: a count, then that many lib0 values.
      const decoder = decoding.createDecoder(update.subarray(struct.contentAt));
      if (decoding.readVarUint(decoder) !== 1) refuseContent("A setting holds one value");
      if (!schema.safeParse(decoding.readAny(decoder)).success) {
        refuseContent(`Update sets ${placement.key} to a value Duet does not use`);
      }
      return;
    }
    default:
      refuseContent(
        `The code holds plain text only: ${CONTENT_NAMES[struct.kind]} content refused`,
      );
  }
}

/** Reads one item's content; returns its length in the document's clock. */
function readContent(reader: Reader, kind: number, maxDepth: number): number {
  switch (kind) {
    case Content.deleted:
      return reader.uint();
    case Content.json: {
      const count = reader.count("JSON values", 1);
      for (let i = 0; i < count; i++) {
        const text = reader.string();
        if (text !== "undefined") parseJson(text);
      }
      return count;
    }
    case Content.binary:
      reader.bytes();
      return 1;
    case Content.string:
      // Yjs counts UTF-16 code units: the decoded text's length.
      return reader.string().length;
    case Content.embed:
      parseJson(reader.string());
      return 1;
    case Content.format:
      reader.string();
      parseJson(reader.string());
      return 1;
    case Content.type: {
      const ref = reader.uint();
      if (ref >= TYPE_REF_COUNT) fail(`Unknown shared type ${ref} in update`);
      if (NAMED_TYPE_REFS.has(ref)) reader.string();
      return 1;
    }
    case Content.any: {
      const count = reader.count("values", 1);
      for (let i = 0; i < count; i++) readAny(reader, maxDepth);
      return count;
    }
    case Content.doc:
      return fail("Subdocuments are not supported");
    default:
      return fail(`Unknown content type ${kind} in update`);
  }
}

/** Skips one lib0 `writeAny` value. */
function readAny(reader: Reader, depth: number): void {
  if (depth <= 0) fail("Update nests values too deeply");
  const tag = reader.byte();
  switch (tag) {
    case 127: // undefined
    case 126: // null
    case 121: // false
    case 120: // true
      return;
    case 125: // integer
      reader.varInt();
      return;
    case 124: // float32
      reader.skip(4);
      return;
    case 123: // float64
    case 122: // bigint64
      reader.skip(8);
      return;
    case 119: // string
      reader.string();
      return;
    case 118: { // object
      const count = reader.count("object keys", 2);
      for (let i = 0; i < count; i++) {
        reader.string();
        readAny(reader, depth - 1);
      }
      return;
    }
    case 117: { // array
      const count = reader.count("array items", 1);
      for (let i = 0; i < count; i++) readAny(reader, depth - 1);
      return;
    }
    case 116: // Uint8Array
      reader.bytes();
      return;
    default:
      fail(`Unknown value tag ${tag} in update`);
  }
}

// As lib0 decodes: invalid UTF-8 throws, a byte-order mark is kept.
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function parseJson(text: string): void {
  try {
    JSON.parse(text);
  } catch {
    fail("Update holds malformed JSON");
  }
}

function fail(message: string): never {
  throw new ProtocolError(message);
}

function refuseDependency(message: string): never {
  throw new ProtocolError(message, CloseCode.policyViolation, { reason: "missing_dependency" });
}

function refuseContent(message: string): never {
  throw new ProtocolError(message, CloseCode.contentRefused);
}

/** A bounds-checked reader of lib0 encodings. */
class Reader {
  #bytes: Uint8Array;
  position = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  get remaining(): number {
    return this.#bytes.length - this.position;
  }

  byte(): number {
    if (this.position >= this.#bytes.length) fail("Update ends too early");
    return this.#bytes[this.position++];
  }

  /** A variable-length unsigned integer, as lib0 writes it. */
  uint(): number {
    let value = 0;
    let multiplier = 1;
    while (true) {
      const byte = this.byte();
      value += (byte & 0x7f) * multiplier;
      if (byte < 0x80) return value;
      multiplier *= 128;
      if (value > Number.MAX_SAFE_INTEGER || multiplier > 2 ** 56) {
        fail("Update number out of range");
      }
    }
  }

  /** A variable-length signed integer (sign in the first byte's sixth bit). */
  varInt(): void {
    let byte = this.byte();
    let multiplier = 64;
    while (byte >= 0x80) {
      byte = this.byte();
      multiplier *= 128;
      if (multiplier > 2 ** 60) fail("Update number out of range");
    }
  }

  /** A count of things still to read, each at least `minBytes` long. */
  count(what: string, minBytes: number): number {
    const count = this.uint();
    if (count * minBytes > this.remaining) fail(`Update claims more ${what} than it holds`);
    return count;
  }

  /** A struct id: client and clock. */
  id(): [number, number] {
    return [this.uint(), this.uint()];
  }

  skip(length: number): void {
    if (length > this.remaining) fail("Update ends too early");
    this.position += length;
  }

  /** A length-prefixed byte array. */
  bytes(): Uint8Array {
    const length = this.uint();
    if (length > this.remaining) fail("Update ends too early");
    const bytes = this.#bytes.subarray(this.position, this.position + length);
    this.position += length;
    return bytes;
  }

  string(): string {
    try {
      return decoder.decode(this.bytes());
    } catch (error) {
      if (error instanceof ProtocolError) throw error;
      return fail("Update holds malformed UTF-8");
    }
  }
}
