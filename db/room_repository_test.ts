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

      await t.step("resolveLink – the edit and the read-only id, each saying which", async () => {
        const id = newRoomId();
        const viewId = newRoomId();
        const ownerKeyHash = new Uint8Array(32).fill(7);
        await repo(db).create({
          roomId: id,
          viewId,
          ownerKeyHash,
          language: "go",
          code: "",
          state,
        });
        const edit = await repo(db).resolveLink(id);
        assert.equal(edit?.access, "edit");
        assert.equal(edit?.roomId, id);
        assert.deepEqual([...edit!.ownerKeyHash!], [...ownerKeyHash]);
        const view = await repo(db).resolveLink(viewId);
        assert.equal(view?.access, "view");
        assert.equal(view?.roomId, id);
        assert.equal(view?.locked, false);
        assert.equal(await repo(db).resolveLink(newRoomId()), undefined);
        // Rooms made before links: their id edits them, no view link, no owner.
        const old = (await repo(db).resolveLink(roomId))!;
        assert.equal(old.viewId, null);
        assert.equal(old.ownerKeyHash, null);
      });

      await t.step(
        "updateControl – changes only what it is given; old links stop resolving",
        async () => {
          const id = newRoomId();
          const viewId = newRoomId();
          await repo(db).create({ roomId: id, viewId, language: "go", code: "", state });
          const locked = await repo(db).updateControl(id, { locked: true });
          assert.equal(locked?.locked, true);
          assert.equal(locked?.viewId, viewId);
          const newEdit = newRoomId();
          const moved = await repo(db).updateControl(id, {
            editId: newEdit,
            viewId: null,
            keepDays: 3,
          });
          assert.deepEqual(
            [moved?.editId, moved?.viewId, moved?.locked, moved?.keepDays],
            [newEdit, null, true, 3],
          );
          assert.equal(await repo(db).resolveLink(id), undefined, "the old edit link");
          assert.equal(await repo(db).resolveLink(viewId), undefined, "the disabled view link");
          assert.equal((await repo(db).resolveLink(newEdit))?.roomId, id);
          assert.equal((await repo(db).load(id))?.links?.editId, newEdit);
          const back = await repo(db).updateControl(id, { keepDays: null, locked: false });
          assert.deepEqual([back?.keepDays, back?.locked, back?.editId], [null, false, newEdit]);
          assert.equal(await repo(db).updateControl(newRoomId(), { locked: true }), undefined);
        },
      );

      await t.step("delete – removes the room and its log rows", async () => {
        const id = newRoomId();
        await repo(db).create({ roomId: id, language: "go", code: "", state });
        await repo(db).appendUpdates([{ roomId: id, update: new Uint8Array([1]) }]);
        assert.equal(await repo(db).delete(id), true);
        assert.equal(await repo(db).load(id), undefined);
        assert.deepEqual(await repo(db).readUpdates(id, 0), []);
        assert.equal(await repo(db).delete(id), false);
      });

      await t.step(
        "deleteExpired – only rooms past their time, not those kept open, in batches",
        async () => {
          const day = 86_400_000;
          const make = async (keepDays: number | null) => {
            const id = newRoomId();
            await repo(db).create({ roomId: id, language: "go", code: "", state });
            await repo(db).updateControl(id, { keepDays });
            await repo(db).appendUpdates([{ roomId: id, update: new Uint8Array([1]) }]);
            return id;
          };
          const [expired, kept, open, forever, byDefault] = [
            await make(1),
            await make(10),
            await make(1),
            await make(0),
            await make(null),
          ];
          const sweep = (now: number, batchSize = 1000, defaultDays = 0) =>
            repo(db).deleteExpired({ defaultDays, batchSize, now: new Date(now), keep: [open] });
          // Not yet: a day has not passed.
          assert.ok(!(await sweep(Date.now() + day / 2))!.includes(expired));
          // defaultDays 0 leaves rooms without their own setting alone.
          const deleted = (await sweep(Date.now() + 2 * day))!;
          assert.ok(deleted.includes(expired));
          for (const id of [kept, open, forever, byDefault]) assert.ok(!deleted.includes(id), id);
          assert.equal(await repo(db).load(expired), undefined);
          assert.deepEqual(await repo(db).readUpdates(expired, 0), [], "its log rows too");
          assert.ok(await repo(db).load(kept));
          // Batches: at most batchSize rooms per call.
          const [a, b] = [await make(1), await make(1)];
          const first = (await sweep(Date.now() + 2 * day, 1))!;
          assert.equal(first.length, 1);
          const second = (await sweep(Date.now() + 2 * day, 1))!;
          assert.equal(second.length, 1);
          assert.deepEqual([...first, ...second].sort(), [a, b].sort());
          // Ten years on, with the default of 30 days: everything but "for ever" and the open one.
          const later = (await repo(db).deleteExpired({
            defaultDays: 30,
            batchSize: 100_000,
            now: new Date(Date.now() + 3650 * day),
            keep: [open],
          }))!;
          assert.ok(later.includes(kept) && later.includes(byDefault));
          assert.ok(!later.includes(forever) && !later.includes(open));
        },
      );

      if (backend.name === "PostgreSQL") {
        await t.step("deleteExpired – one process at a time (an advisory lock)", async () => {
          const other = await backend.open();
          try {
            let release!: () => void;
            const held = new Promise<void>((resolve) => release = resolve);
            let locked!: () => void;
            const isLocked = new Promise<void>((resolve) => locked = resolve);
            const holder = other.transaction(async (tx) => {
              await tx.query("SELECT pg_advisory_xact_lock(hashtext('duet.expire'))");
              locked();
              await held;
            });
            await isLocked;
            const result = await repo(db).deleteExpired({
              defaultDays: 0,
              batchSize: 10,
              now: new Date(),
            });
            assert.equal(result, undefined, "another process is sweeping");
            release();
            await holder;
            assert.ok(Array.isArray(
              await repo(db).deleteExpired({
                defaultDays: 0,
                batchSize: 10,
                now: new Date(),
              }),
            ));
          } finally {
            await other.close();
          }
        });
      }

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
