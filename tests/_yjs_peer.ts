import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { MessageType } from "../lib/shared/wire.ts";

/**
 * A minimal y-websocket client without a socket: it records what the server
 * sends and builds the messages a browser would send.
 */
export class YjsPeer {
  readonly doc = new Y.Doc();
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  readonly received: Uint8Array[] = [];
  /** Messages this peer wants to send back (answers to step 1). */
  readonly replies: Uint8Array[] = [];

  send(message: Uint8Array): void {
    this.received.push(message);
    const decoder = decoding.createDecoder(message);
    const type = decoding.readVarUint(decoder);
    if (type === MessageType.sync) {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MessageType.sync);
      syncProtocol.readSyncMessage(decoder, encoder, this.doc, "server");
      if (encoding.length(encoder) > 1) this.replies.push(encoding.toUint8Array(encoder));
    } else if (type === MessageType.awareness) {
      awarenessProtocol.applyAwarenessUpdate(
        this.awareness,
        decoding.readVarUint8Array(decoder),
        "server",
      );
    }
  }

  get text(): string {
    return this.doc.getText("code").toString();
  }

  step1(): Uint8Array {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MessageType.sync);
    syncProtocol.writeSyncStep1(encoder, this.doc);
    return encoding.toUint8Array(encoder);
  }

  /** Edits the local document and returns the update message for the server. */
  edit(change: (text: Y.Text, doc: Y.Doc) => void): Uint8Array {
    let update: Uint8Array | undefined;
    const capture = (u: Uint8Array) => (update = u);
    this.doc.once("update", capture);
    change(this.doc.getText("code"), this.doc);
    if (!update) throw new Error("The change made no update");
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MessageType.sync);
    syncProtocol.writeUpdate(encoder, update);
    return encoding.toUint8Array(encoder);
  }

  /** Sets local presence and returns the awareness message for the server. */
  presence(state: Record<string, unknown> | null): Uint8Array {
    this.awareness.setLocalState(state);
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MessageType.awareness);
    encoding.writeVarUint8Array(
      encoder,
      awarenessProtocol.encodeAwarenessUpdate(this.awareness, [this.doc.clientID]),
    );
    return encoding.toUint8Array(encoder);
  }

  destroy(): void {
    this.awareness.destroy();
    this.doc.destroy();
  }
}
