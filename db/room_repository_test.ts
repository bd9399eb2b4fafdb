import assert from "node:assert/strict";
import { openDatabase, type SqlClient } from "./database.ts";
import { migrate, readMigrations } from "./migrate.ts";
import { RoomRepository } from "./room_repository.ts";
import { generateRoomId } from "../lib/room_id.ts";

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

      const roomId = generateRoomId();
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
        assert.equal(await repo(db).exists(roomId), true);
        assert.equal(await repo(db).find(generateRoomId()), undefined);
        assert.equal(await repo(db).exists(generateRoomId()), false);
      });

      await t.step("loadSnapshot – returns the bytes as stored", async () => {
        const snapshot = await repo(db).loadSnapshot(roomId);
        assert.ok(snapshot);
        assert.ok(snapshot.state instanceof Uint8Array);
        assert.deepEqual([...snapshot.state], [...state]);
        assert.equal(await repo(db).loadSnapshot(generateRoomId()), undefined);
      });

      await t.step("saveSnapshot – overwrites state, code, language and updatedAt", async () => {
        const next = new Uint8Array(100_000).map((_, i) => i % 251);
        await repo(db).saveSnapshot(roomId, { state: next, code: "y = 2", language: "rust" });
        const snapshot = await repo(db).loadSnapshot(roomId);
        assert.deepEqual(snapshot?.state, next);
        const record = await repo(db).find(roomId);
        assert.equal(record?.code, "y = 2");
        assert.equal(record?.language, "rust");
        assert.ok(record!.updatedAt.getTime() >= record!.createdAt.getTime());
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
