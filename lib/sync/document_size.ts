import * as Y from "yjs";
import { formatBytes, utf8Length } from "../ops/limits.ts";
import { CODE_TEXT } from "./document.ts";
import { CloseCode } from "../shared/wire.ts";
import { ProtocolError } from "./protocol.ts";
import type { UpdateSummary } from "./update_guard.ts";

/**
 * The whole encoded document (history, other shared types, updates waiting
 * for what they depend on) may grow to this many times the code limit.
 */
export const STATE_BYTES_PER_DOCUMENT_BYTE = 4;

/**
 * Keeps a room's document within its size limit without measuring it on
 * every keystroke. It keeps upper bounds of the code's UTF-8 size and of the
 * encoded state: exact after a count, plus the size of every update since
 * (an update is never smaller than what it inserts). Only an update that
 * would take a bound over the limit pays for an exact count.
 */
export class DocumentSize {
  #doc: Y.Doc;
  #codeBytes?: number;
  #stateBytes?: number;

  constructor(doc: Y.Doc) {
    this.#doc = doc;
    // Every change counts, from this process or another.
    doc.on("update", (update: Uint8Array) => {
      if (this.#codeBytes !== undefined) this.#codeBytes += update.byteLength;
      if (this.#stateBytes !== undefined) this.#stateBytes += update.byteLength;
    });
  }

  /**
   * Throws a {@linkcode ProtocolError} (4413) when applying `update` could
   * take the code over `maxDocumentBytes` (or the encoded state over
   * {@linkcode STATE_BYTES_PER_DOCUMENT_BYTE} times that). Deletions always pass.
   */
  check(update: Uint8Array, summary: UpdateSummary, maxDocumentBytes: number): void {
    if (summary.insertedBytes === 0) return;
    const full = () =>
      new ProtocolError(
        `This room has reached its size limit (${
          formatBytes(maxDocumentBytes)
        }): your last change was not saved. Reload the page to go on.`,
        CloseCode.documentTooLarge,
      );
    const text = this.#doc.getText(CODE_TEXT);
    // A UTF-16 code unit is at most three UTF-8 bytes: small documents pass at once.
    if (text.length * 3 + summary.insertedBytes > maxDocumentBytes) {
      if (
        this.#codeBytes === undefined || this.#codeBytes + summary.insertedBytes > maxDocumentBytes
      ) {
        this.#codeBytes = utf8Length(text.toString());
      }
      if (this.#codeBytes + summary.insertedBytes > maxDocumentBytes) throw full();
    }
    const maxStateBytes = STATE_BYTES_PER_DOCUMENT_BYTE * maxDocumentBytes;
    if (this.#stateBytes === undefined || this.#stateBytes + update.byteLength > maxStateBytes) {
      this.#stateBytes = Y.encodeStateAsUpdate(this.#doc).byteLength;
      if (this.#stateBytes + update.byteLength > maxStateBytes) throw full();
    }
  }
}
