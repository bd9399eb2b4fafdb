import assert from "node:assert/strict";
import { initialDocumentState } from "./document.ts";
import { ProtocolError } from "./protocol.ts";
import { Room } from "./room.ts";
import { encodeRunMessage, RUN_MESSAGE_TYPE } from "../shared/run_wire.ts";
import { CloseCode } from "../shared/wire.ts";

function participant(access?: "edit" | "view") {
  const sent: Uint8Array[] = [];
  return { sent, access, wantsRuns: true, send: (message: Uint8Array) => sent.push(message) };
}

const runMessages = (sent: Uint8Array[]) =>
  sent.filter((message) => message[0] === RUN_MESSAGE_TYPE);

Deno.test("Room – a view-only participant cannot start a run; an editor can, and the viewer sees it", () => {
  const room = new Room("room", {
    state: initialDocumentState("console.log(1)", "javascript"),
    language: "javascript",
  });
  const editor = participant("edit");
  const viewer = participant("view");
  room.join(editor);
  room.join(viewer);
  assert.throws(
    () => room.receive(viewer, encodeRunMessage({ t: "start", run: "v1", language: "javascript" })),
    (error) => error instanceof ProtocolError && error.closeCode === CloseCode.readOnly,
  );
  assert.deepEqual(runMessages(editor.sent), []);
  room.receive(editor, encodeRunMessage({ t: "start", run: "e1", language: "javascript" }));
  assert.equal(runMessages(viewer.sent).length, 1);
  room.destroy();
});
