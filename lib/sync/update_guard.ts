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
 * @module
 */
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

/** Type refs that carry a name (`YXmlElement`, `YXmlHook`). */
const NAMED_TYPE_REFS = new Set([3, 5]);
const TYPE_REF_COUNT = 7;

/**
 * Throws a {@linkcode ProtocolError} (1007) unless `update` is a complete,
 * well-formed Yjs v1 update that Duet accepts.
 *
 * @example
 * ```ts
 * const { insertedBytes } = checkUpdate(update, { isRootName: (name) => name === "code" });
 * ```
 */
export function checkUpdate(update: Uint8Array, options: CheckUpdateOptions = {}): UpdateSummary {
  const reader = new Reader(update);
  const isRootName = options.isRootName ?? (() => true);
  const maxDepth = options.maxDepth ?? 32;
  let structs = 0;
  let insertedBytes = 0;

  const clients = reader.count("client groups", 3);
  for (let c = 0; c < clients; c++) {
    const count = reader.count("structs", 2);
    const client = reader.uint();
    let clock = reader.uint();
    // Yjs takes a reference to the item's own client as already integrated
    // (it integrates each client's structs in clock order), so one pointing
    // at or past the item itself corrupts its store.
    const reference = () => {
      const [refClient, refClock] = reader.id();
      if (refClient === client && refClock >= clock) fail("Update refers to a later struct");
    };
    for (let s = 0; s < count; s++) {
      structs++;
      const info = reader.byte();
      const kind = info & BITS5;
      let length: number;
      if (kind === Content.gc || kind === Content.skip) {
        length = reader.uint();
      } else {
        const hasOrigin = (info & BIT8) !== 0;
        const hasRightOrigin = (info & BIT7) !== 0;
        if (hasOrigin) reference();
        if (hasRightOrigin) reference();
        if (!hasOrigin && !hasRightOrigin) {
          if (reader.uint() === 1) {
            const name = reader.string();
            if (!isRootName(name)) fail("Update writes to a shared type this room does not have");
          } else {
            reference();
          }
          if ((info & BIT6) !== 0) reader.string(); // key in a map
        }
        const start = reader.position;
        length = readContent(reader, kind, maxDepth);
        if (kind !== Content.deleted) insertedBytes += reader.position - start;
      }
      if (length < 1) fail("Update holds an empty struct");
      if (clock + length > Number.MAX_SAFE_INTEGER) fail("Update clock out of range");
      clock += length;
    }
  }

  const deleteClients = reader.count("delete-set clients", 2);
  for (let c = 0; c < deleteClients; c++) {
    reader.uint(); // client
    const ranges = reader.count("deleted ranges", 2);
    for (let r = 0; r < ranges; r++) {
      const clock = reader.uint();
      const length = reader.uint();
      // Yjs cannot encode an empty range again: it would break every later save.
      if (length < 1) fail("Update deletes an empty range");
      if (clock + length > Number.MAX_SAFE_INTEGER) fail("Deleted range out of range");
    }
  }
  if (reader.remaining > 0) fail("Trailing bytes after a document update");
  return { structs, insertedBytes };
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
