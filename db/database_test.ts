import assert from "node:assert/strict";
import { openDatabase } from "./database.ts";

Deno.test("openDatabase (PGlite worker)", async (t) => {
  const db = await openDatabase({});
  try {
    await db.execute(
      `CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL);
       CREATE TABLE blobs (id int PRIMARY KEY, data bytea NOT NULL)`,
    );

    await t.step(
      "query – bytea comes back as Uint8Array, the caller's bytes untouched",
      async () => {
        // A view into a larger buffer, as decoded socket messages are.
        const message = new Uint8Array([9, 9, 0, 1, 2, 255, 9]);
        const update = message.subarray(2, 6);
        await db.query("INSERT INTO blobs (id, data) VALUES ($1, $2)", [1, update]);
        const [row] = await db.query<{ data: Uint8Array }>("SELECT data FROM blobs WHERE id = 1");
        assert.equal(row.data.constructor, Uint8Array);
        assert.deepEqual([...row.data], [0, 1, 2, 255]);
        assert.equal(update.byteLength, 4, "the parameter was not transferred away");
        assert.deepEqual([...message], [9, 9, 0, 1, 2, 255, 9]);
      },
    );

    await t.step("query – bytea[] parameters and results round-trip", async () => {
      const [row] = await db.query<{ list: Uint8Array[]; second: Uint8Array }>(
        "SELECT $1::bytea[] AS list, ($1::bytea[])[2] AS second",
        [[new Uint8Array([1]), new Uint8Array([]), new Uint8Array([2, 3])]],
      );
      assert.equal(row.list.length, 3);
      assert.ok(row.list.every((bytes) => bytes instanceof Uint8Array));
      assert.deepEqual(row.list.map((bytes) => [...bytes]), [[1], [], [2, 3]]);
      assert.ok(row.second instanceof Uint8Array);
      assert.equal(row.second.byteLength, 0);
    });

    await t.step("query – dates, nulls, numbers and text keep their types", async () => {
      const at = new Date("2024-05-06T07:08:09.123Z");
      const [row] = await db.query<Record<string, unknown>>(
        `SELECT $1::timestamptz AS param_date, '2020-01-02T03:04:05Z'::timestamptz AS literal_date,
           NULL::text AS nothing, 42::int AS int4, 9007199254740991::bigint AS int8,
           1.5::float8 AS float, 'héllo'::text AS text, true AS flag`,
        [at],
      );
      assert.ok(row.param_date instanceof Date);
      assert.equal((row.param_date as Date).getTime(), at.getTime());
      assert.ok(row.literal_date instanceof Date);
      assert.equal((row.literal_date as Date).toISOString(), "2020-01-02T03:04:05.000Z");
      assert.equal(row.nothing, null);
      assert.equal(row.int4, 42);
      // PGlite reads bigint as a number, in the worker as before.
      assert.equal(row.int8, 9007199254740991);
      assert.equal(row.float, 1.5);
      assert.equal(row.text, "héllo");
      assert.equal(row.flag, true);
    });

    await t.step("query – an error keeps its message and SQLSTATE", async () => {
      await assert.rejects(db.query("SELECT 1 / 0"), (error: Error & { code?: string }) => {
        assert.ok(error instanceof Error);
        assert.equal(error.message, "division by zero");
        assert.equal(error.code, "22012");
        return true;
      });
      await db.query("INSERT INTO notes (id, body) VALUES (1, 'first')");
      await assert.rejects(
        db.query("INSERT INTO notes (id, body) VALUES (1, 'again')"),
        (error: Error & { code?: string; constraint?: string }) => {
          assert.match(error.message, /duplicate key value violates unique constraint/);
          assert.equal(error.code, "23505");
          assert.equal(error.constraint, "notes_pkey");
          return true;
        },
      );
      await assert.rejects(db.execute("SELECT FROM nowhere"), /relation "nowhere" does not exist/);
    });

    await t.step("transaction – commits when the work resolves", async () => {
      const result = await db.transaction(async (tx) => {
        await tx.query("INSERT INTO notes (id, body) VALUES ($1, $2)", [2, "second"]);
        await tx.execute("INSERT INTO notes (id, body) VALUES (3, 'third')");
        const rows = await tx.query<{ n: number }>("SELECT count(*)::int AS n FROM notes");
        return rows[0].n;
      });
      assert.equal(result, 3);
      const rows = await db.query<{ id: number }>("SELECT id FROM notes ORDER BY id");
      assert.deepEqual(rows.map((row) => row.id), [1, 2, 3]);
    });

    await t.step("transaction – rolls back and rethrows when the work throws", async () => {
      const thrown = new Error("work failed");
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query("INSERT INTO notes (id, body) VALUES (4, 'fourth')");
          assert.equal((await tx.query("SELECT 1 FROM notes WHERE id = 4")).length, 1);
          throw thrown;
        }),
        (error) => error === thrown,
      );
      assert.deepEqual(await db.query("SELECT id FROM notes WHERE id = 4"), []);
    });

    await t.step("transaction – rolls back when a statement in it fails", async () => {
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query("INSERT INTO notes (id, body) VALUES (5, 'fifth')");
          await tx.query("INSERT INTO notes (id, body) VALUES (1, 'duplicate')");
        }),
        (error: Error & { code?: string }) => error.code === "23505",
      );
      assert.deepEqual(await db.query("SELECT id FROM notes WHERE id = 5"), []);
    });

    await t.step("transaction – refuses to nest and to close the outer client", async () => {
      const result = await db.transaction(async (tx) => {
        await assert.rejects(tx.transaction(() => Promise.resolve()), {
          name: "TypeError",
          message: "Transactions do not nest",
        });
        await assert.rejects(tx.close(), { name: "TypeError", message: "Close the outer client" });
        return (await tx.query<{ ok: number }>("SELECT 1 AS ok"))[0].ok;
      });
      assert.equal(result, 1, "the transaction still worked");
    });

    await t.step("transaction – its client refuses work once it has ended", async () => {
      let escaped: Parameters<Parameters<typeof db.transaction>[0]>[0] | undefined;
      await db.transaction((tx) => {
        escaped = tx;
        return Promise.resolve();
      });
      await assert.rejects(escaped!.query("SELECT 1"), /Transaction \d+ is not open/);
    });

    await t.step("query – concurrent calls each get their own answer", async () => {
      const [slow, fast] = await Promise.all([
        db.query<{ v: string }>("SELECT pg_sleep(0.05), 'slow' AS v"),
        db.query<{ v: string }>("SELECT $1::text AS v", ["fast"]),
      ]);
      assert.equal(slow[0].v, "slow");
      assert.equal(fast[0].v, "fast");
      const many = await Promise.all(
        Array.from({ length: 50 }, (_, i) => db.query<{ n: number }>("SELECT $1::int AS n", [i])),
      );
      assert.deepEqual(many.map((rows) => rows[0].n), Array.from({ length: 50 }, (_, i) => i));
    });

    await t.step("transaction – concurrent transactions run one after the other", async () => {
      const order: string[] = [];
      await Promise.all(["a", "b"].map((name) =>
        db.transaction(async (tx) => {
          order.push(`${name} begin`);
          await tx.query("SELECT pg_sleep(0.02)");
          order.push(`${name} end`);
        })
      ));
      assert.deepEqual(order, ["a begin", "a end", "b begin", "b end"]);
    });
  } finally {
    await db.close();
  }
});

Deno.test("openDatabase (PGlite worker) – close ends the worker and refuses later calls", async () => {
  const db = await openDatabase({});
  await db.query("SELECT 1");
  await db.close();
  await db.close();
  await assert.rejects(db.query("SELECT 1"), { message: "The database is closed" });
  await assert.rejects(db.transaction(() => Promise.resolve()), {
    message: "The database is closed",
  });
});

Deno.test("openDatabase (PGlite worker) – keeps committed data in its folder", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "duet-database-test-" });
  try {
    const first = await openDatabase({ dataDir });
    await first.execute("CREATE TABLE kept (data bytea)");
    await first.transaction((tx) =>
      tx.query("INSERT INTO kept (data) VALUES ($1)", [new Uint8Array([7, 8])])
    );
    await first.close();
    const second = await openDatabase({ dataDir });
    try {
      const rows = await second.query<{ data: Uint8Array }>("SELECT data FROM kept");
      assert.deepEqual(rows.map((row) => [...row.data]), [[7, 8]]);
    } finally {
      await second.close();
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("openDatabase (PGlite worker) – vacuums, so deleted rows' space is used again", async () => {
  const db = await openDatabase({ vacuumIntervalMs: 20 });
  try {
    await db.execute("CREATE TABLE churn (id int PRIMARY KEY, data text NOT NULL)");
    const fill = () =>
      db.execute("INSERT INTO churn SELECT n, repeat('x', 200) FROM generate_series(1, 2000) n");
    const size = async () =>
      Number(
        (await db.query<{ bytes: unknown }>("SELECT pg_relation_size('churn') AS bytes"))[0]
          .bytes,
      );
    const vacuums = async () =>
      Number(
        (await db.query<{ n: unknown }>(
          "SELECT vacuum_count AS n FROM pg_stat_user_tables WHERE relname = 'churn'",
        ))[0].n,
      );
    await fill();
    const full = await size();
    await db.execute("DELETE FROM churn");
    const before = await vacuums();
    const deadline = Date.now() + 10_000;
    while (await vacuums() === before) {
      assert.ok(Date.now() < deadline, "no VACUUM ran within 10 s");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await fill();
    assert.equal(
      await size(),
      full,
      "the second fill reused the first one's pages (without VACUUM the table doubles)",
    );
  } finally {
    await db.close();
  }
});

Deno.test("openDatabase (PGlite worker) – a data folder starts with a small buffer cache, keeping PGlite's other settings", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "duet-db-test-" });
  const db = await openDatabase({ dataDir });
  try {
    const [{ shared_buffers }] = await db.query<{ shared_buffers: string }>("SHOW shared_buffers");
    assert.equal(shared_buffers, "32MB");
    // One of PGlite's own start parameters, still in force.
    const [{ search_path }] = await db.query<{ search_path: string }>("SHOW search_path");
    assert.equal(search_path, "public");
  } finally {
    await db.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});
