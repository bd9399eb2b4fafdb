import assert from "node:assert/strict";
import { openDatabase, type SqlClient } from "./database.ts";
import { migrate, readMigrations } from "./migrate.ts";
import { RoomRepository } from "./room_repository.ts";

interface Backend {
  name: string;
  open(): Promise<SqlClient>;
}

const backends: Backend[] = [{
  name: "PGlite",
  open: () => openDatabase({}),
}];
const databaseUrl = Deno.env.get("DATABASE_URL");
if (databaseUrl) {
  backends.push({ name: "PostgreSQL", open: () => openDatabase({ databaseUrl }) });
}

for (const backend of backends) {
  Deno.test(`RoomRepository (${backend.name})`, async (t) => {
    const db = await backend.open();
    try {
      await migrate(db, await readMigrations());

      await t.step("migrate – applies nothing the second time", async () => {
        assert.deepEqual(await migrate(db, await readMigrations()), []);
      });

      const roomId = newRoomId();
      const state = new Uint8Array([0, 1, 2, 255, 0, 7]);

      await t.step("create – stores a room and returns its record", async () => {
        const record = await repo(db).create({ roomId, language: "python", code: "x = 1", state });
        assert.equal(record.roomId, roomId);
        assert.equal(record.language, "python");
        assert.equal(record.code, "x = 1");
        assert.ok(record.createdAt instanceof Date);
        assert.equal(record.createdAt.getTime(), record.updatedAt.getTime());
      });

      await t.step("create – refuses a duplicate id", async () => {
        await assert.rejects(
          repo(db).create({ roomId, language: "go", code: "", state }),
        );
      });

      await t.step("find and exists – know the room and only it", async () => {
        assert.equal((await repo(db).find(roomId))?.code, "x = 1");
        assert.equal((await repo(db).find(roomId))?.logRowsPending, false);
        assert.equal(await repo(db).exists(roomId), true);
        assert.equal(await repo(db).find(newRoomId()), undefined);
        assert.equal(await repo(db).exists(newRoomId()), false);
      });

      await t.step("load – returns the snapshot bytes as stored and an empty log", async () => {
        const stored = await repo(db).load(roomId);
        assert.ok(stored);
        assert.ok(stored.state instanceof Uint8Array);
        assert.deepEqual([...stored.state], [...state]);
        assert.equal(stored.snapshotSeq, 0);
        assert.deepEqual(stored.updates, []);
        assert.equal(await repo(db).load(newRoomId()), undefined);
      });

      const other = newRoomId();
      await t.step("appendUpdates – numbers each room's updates without gaps", async () => {
        await repo(db).create({ roomId: other, language: "go", code: "", state });
        const first = await repo(db).appendUpdates([
          { roomId, update: new Uint8Array([1]) },
          { roomId: other, update: new Uint8Array([2]) },
          { roomId, update: new Uint8Array([3]) },
          { roomId: newRoomId(), update: new Uint8Array([9]) }, // no such room: dropped
        ]);
        assert.deepEqual(first.get(roomId), { firstSeq: 1, lastSeq: 2 });
        assert.deepEqual(first.get(other), { firstSeq: 1, lastSeq: 1 });
        assert.equal(first.size, 2);
        const second = await repo(db).appendUpdates([{ roomId, update: new Uint8Array([4, 5]) }]);
        assert.deepEqual(second.get(roomId), { firstSeq: 3, lastSeq: 3 });
        const updates = await repo(db).readUpdates(roomId, 1);
        assert.deepEqual(updates.map((row) => [row.seq, [...row.update]]), [[2, [3]], [3, [4, 5]]]);
        assert.equal((await repo(db).load(roomId))?.updates.length, 3);
      });

      await t.step(
        "appendUpdates – concurrent appends to one room never share a number",
        async () => {
          const results = await Promise.all(
            Array.from(
              { length: 8 },
              (_, i) => repo(db).appendUpdates([{ roomId: other, update: new Uint8Array([i]) }]),
            ),
          );
          const seqs = results.map((result) => result.get(other)!.firstSeq).sort((a, b) => a - b);
          assert.deepEqual(seqs, [2, 3, 4, 5, 6, 7, 8, 9]);
        },
      );

      await t.step("compact – stores the snapshot and deletes the rows it covers", async () => {
        const merged = new Uint8Array(100_000).map((_, i) => i % 251);
        assert.equal(
          await repo(db).compact(roomId, {
            state: merged,
            code: "y = 2",
            language: "rust",
            seq: 2,
          }),
          true,
        );
        const stored = await repo(db).load(roomId);
        assert.deepEqual(stored?.state, merged);
        assert.equal(stored?.snapshotSeq, 2);
        assert.equal((await repo(db).find(roomId))?.logRowsPending, true, "row 3 follows");
        assert.deepEqual(stored?.updates.map((row) => row.seq), [3]);
        const record = await repo(db).find(roomId);
        assert.equal(record?.code, "y = 2");
        assert.equal(record?.language, "rust");
        assert.ok(record!.updatedAt.getTime() >= record!.createdAt.getTime());
        assert.equal((await repo(db).readUpdates(other, 0)).length, 9, "other rooms untouched");
      });

      await t.step("compact – never goes back to an older snapshot", async () => {
        const older = { state: new Uint8Array([7]), code: "old", language: "go" as const, seq: 1 };
        assert.equal(await repo(db).compact(roomId, older), false);
        assert.equal((await repo(db).find(roomId))?.code, "y = 2");
      });

      await t.step("ping – answers", async () => {
        await repo(db).ping();
      });
    } finally {
      await db.close();
    }
  });
}

function repo(db: SqlClient): RoomRepository {
  return new RoomRepository(db);
}

/** Any fresh id: the table takes any text (lib/rooms/room_id.ts decides what the app makes). */
function newRoomId(): string {
  return crypto.randomUUID();
}
