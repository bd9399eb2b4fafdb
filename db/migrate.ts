import type { SqlClient } from "./database.ts";

/** A schema change: its file name (the version) and SQL text. */
export interface Migration {
  version: string;
  sql: string;
}

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);

/** Reads `db/migrations/*.sql`, sorted by name. */
export async function readMigrations(): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for await (const entry of Deno.readDir(MIGRATIONS_DIR)) {
    if (!entry.isFile || !entry.name.endsWith(".sql")) continue;
    const sql = await Deno.readTextFile(new URL(entry.name, MIGRATIONS_DIR));
    migrations.push({ version: entry.name.replace(/\.sql$/, ""), sql });
  }
  return migrations.sort((a, b) => a.version.localeCompare(b.version));
}

// Any fixed number works; it keeps two processes from migrating at once.
const MIGRATION_LOCK_KEY = 4_242_001;

/**
 * Applies the migrations not yet recorded in `schema_migrations`, all in one
 * transaction under an advisory lock, and returns the versions it applied.
 */
export async function migrate(
  db: SqlClient,
  migrations: Migration[],
): Promise<string[]> {
  await db.execute(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
       version text PRIMARY KEY,
       applied_at timestamptz NOT NULL DEFAULT now()
     )`,
  );
  const applied: string[] = [];
  await db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
    const rows = await tx.query<{ version: string }>(
      "SELECT version FROM schema_migrations",
    );
    const done = new Set(rows.map((row) => row.version));
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await tx.execute(migration.sql);
      await tx.query("INSERT INTO schema_migrations (version) VALUES ($1)", [
        migration.version,
      ]);
      applied.push(migration.version);
    }
  });
  return applied;
}
