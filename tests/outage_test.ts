/**
 * The database going away under load. Restarts the local PostgreSQL cluster,
 * so it runs only where `DUET_TEST_PG_CLUSTER` names it (e.g. "15 main"; CI
 * sets it) and `DATABASE_URL` points at it.
 */
import assert from "node:assert/strict";
import { spawnServer } from "../testing/process.ts";
import { countLines, Typist } from "./_typist.ts";
import { waitFor } from "./_wait.ts";
import { createRoom } from "../testing/rooms.ts";

const databaseUrl = Deno.env.get("DATABASE_URL");
const cluster = Deno.env.get("DUET_TEST_PG_CLUSTER")?.split(/\s+/);

async function pgctl(action: "stop" | "start"): Promise<void> {
  const args = ["--skip-systemctl-redirect", ...cluster!, action];
  if (action === "stop") args.push("--", "-m", "immediate");
  const { code, stderr } = await new Deno.Command("pg_ctlcluster", { args, stderr: "piped" })
    .output();
  if (code !== 0) throw new Error(`pg_ctlcluster ${action}: ${new TextDecoder().decode(stderr)}`);
}

Deno.test({
  name:
    "Outage – PostgreSQL down under load: rooms keep working, pages say not saved, all is written after",
  ignore: !databaseUrl || !cluster,
  async fn() {
    const env = { DATABASE_URL: databaseUrl! };
    const server = await spawnServer({ env });
    const roomId = (await createRoom(server.url)).roomId;
    const alice = new Typist(server.url, roomId);
    const bob = new Typist(server.url, roomId);
    let stopped = false;
    let again;
    try {
      await waitFor(() => alice.provider.synced && bob.provider.synced, "both to sync");
      alice.type("before");
      await waitFor(() => alice.savedClock >= alice.tokens[0].endClock, "the first save");

      await pgctl("stop");
      stopped = true;
      for (let i = 0; i < 30; i++) alice.type(`during-${i}`);
      await waitFor(() => alice.storageDown, "the page to be told it is not saved", 15_000);
      await waitFor(() => countLines(bob.text, "during-29") === 1, "the room to keep working");
      const health = await fetch(`${server.url}/healthz`);
      assert.equal(health.status, 503);
      assert.equal((await health.json()).status, "degraded");
      assert.ok(alice.savedClock < alice.tokens.at(-1)!.endClock, "never saved while down");

      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await pgctl("start");
      stopped = false;
      await waitFor(
        () => alice.savedClock >= alice.tokens.at(-1)!.endClock && !alice.storageDown,
        "everything to be written once the database is back",
        60_000,
      );
      await waitFor(
        async () => (await (await fetch(`${server.url}/healthz`)).json()).status === "ok",
        "health",
      );

      // A fresh process reads it all from the database.
      server.kill("SIGTERM");
      assert.equal((await server.status).code, 0);
      again = await spawnServer({ env });
      const code = (await (await fetch(`${again.url}/rooms/${roomId}`)).json()).code;
      const missing = alice.tokens.filter(({ token }) => countLines(code, token) !== 1);
      assert.deepEqual(missing, []);
    } catch (error) {
      console.log(server.logs.slice(-15).map((line) => JSON.stringify(line)).join("\n"));
      throw error;
    } finally {
      if (stopped) await pgctl("start");
      alice.destroy();
      bob.destroy();
      server.kill("SIGKILL");
      await server.status.catch(() => {});
      again?.kill("SIGTERM");
      await again?.status;
    }
  },
});
