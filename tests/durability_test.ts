/**
 * Process-level durability: `kill -9`, SIGTERM. Each test runs servers as
 * child processes, as `deno task start` runs them. With PostgreSQL when
 * `DATABASE_URL` is set, and always with the embedded database.
 */
import assert from "node:assert/strict";
import { spawnServer } from "../testing/process.ts";
import { countLines, Typist } from "./_typist.ts";
import { waitFor } from "./_wait.ts";
import { createRoom } from "../testing/rooms.ts";

interface Backend {
  name: string;
  env(): Promise<Record<string, string>>;
}

const backends: Backend[] = [{
  name: "PGlite",
  env: async () => ({ DUET_DATA_DIR: await Deno.makeTempDir({ prefix: "duet-durable-" }) }),
}];
const databaseUrl = Deno.env.get("DATABASE_URL");
if (databaseUrl) {
  backends.push({
    name: "PostgreSQL",
    env: () => Promise.resolve({ DATABASE_URL: databaseUrl }),
  });
}

async function roomCode(url: string, roomId: string): Promise<string> {
  const response = await fetch(`${url}/rooms/${roomId}`);
  assert.equal(response.status, 200);
  return (await response.json()).code;
}

/** Types tokens from each typist every few milliseconds until stopped. */
function typeContinuously(typists: Typist[], prefix: string): { stop(): void } {
  let n = 0;
  const timer = setInterval(() => {
    for (const [i, typist] of typists.entries()) typist.type(`${prefix}-${i}-${n}`);
    n++;
  }, 7);
  return { stop: () => clearInterval(timer) };
}

for (const backend of backends) {
  Deno.test(`Durability (${backend.name}) – kill -9 with every browser gone loses nothing shown as saved`, async () => {
    const env = await backend.env();
    const first = await spawnServer({ env });
    const roomId = (await createRoom(first.url)).roomId;
    const typists = [
      new Typist(first.url, roomId),
      new Typist(first.url, roomId),
      new Typist(first.url, roomId),
    ];
    await waitFor(() => typists.every((typist) => typist.provider.synced), "typists to sync");
    const typing = typeContinuously(typists, "gone");
    await waitFor(() => typists.every((typist) => typist.savedTokens.length >= 20), "some saves");
    // Mid-typing: some tokens are saved, some are in flight.
    first.kill("SIGKILL");
    typing.stop();
    const saved = typists.flatMap((typist) => typist.savedTokens);
    const typed = typists.flatMap((typist) => typist.tokens).length;
    for (const typist of typists) typist.destroy();
    await first.status;

    const second = await spawnServer({ env });
    try {
      const code = await roomCode(second.url, roomId);
      const lost = saved.filter((token) => countLines(code, token) !== 1);
      console.log(
        `kill -9, browsers gone: ${saved.length} saved of ${typed} typed, ${lost.length} lost or duplicated`,
      );
      assert.deepEqual(lost, []);
    } finally {
      second.kill("SIGTERM");
      await second.status;
      if (env.DUET_DATA_DIR) await Deno.remove(env.DUET_DATA_DIR, { recursive: true });
    }
  });

  Deno.test(`Durability (${backend.name}) – kill -9 with browsers open: they reconnect and nothing is lost or doubled`, async () => {
    const env = await backend.env();
    const first = await spawnServer({ env });
    const roomId = (await createRoom(first.url)).roomId;
    const typists = [new Typist(first.url, roomId), new Typist(first.url, roomId)];
    let second;
    try {
      await waitFor(() => typists.every((typist) => typist.provider.synced), "typists to sync");
      const typing = typeContinuously(typists, "open");
      await waitFor(() => typists.every((typist) => typist.savedTokens.length >= 10), "some saves");
      first.kill("SIGKILL");
      await first.status;
      // They keep typing while the server is down.
      await new Promise((resolve) => setTimeout(resolve, 300));
      typing.stop();
      second = await spawnServer({ env, port: first.port });
      const all = typists.flatMap((typist) => typist.tokens.map((typed) => typed.token));
      await waitFor(
        () => typists.every((typist) => all.every((token) => countLines(typist.text, token) === 1)),
        "every edit from every side to arrive exactly once",
        20_000,
      );
      await waitFor(
        () => typists.every((typist) => typist.savedClock >= typist.tokens.at(-1)!.endClock),
        "everything to be saved",
      );
      const code = await roomCode(second.url, roomId);
      assert.equal(all.filter((token) => countLines(code, token) !== 1).length, 0);
      console.log(
        `kill -9, browsers open: ${all.length} tokens, all present once after reconnecting`,
      );
    } finally {
      for (const typist of typists) typist.destroy();
      second?.kill("SIGTERM");
      await second?.status;
      if (env.DUET_DATA_DIR) await Deno.remove(env.DUET_DATA_DIR, { recursive: true });
    }
  });

  Deno.test(`Durability (${backend.name}) – SIGTERM closes sockets with 1012, writes everything, exits 0`, async () => {
    const env = await backend.env();
    const server = await spawnServer({ env });
    const roomId = (await createRoom(server.url)).roomId;
    const typist = new Typist(server.url, roomId);
    const observer = new Typist(server.url, roomId);
    try {
      await waitFor(() => typist.provider.synced && observer.provider.synced, "clients to sync");
      for (let i = 0; i < 50; i++) typist.type(`term-${i}`);
      // Once the observer has them, the server has accepted them.
      await waitFor(() => countLines(observer.text, "term-49") === 1, "the server to accept them");
      const started = Date.now();
      server.kill("SIGTERM");
      const status = await server.status;
      const took = Date.now() - started;
      assert.equal(status.code, 0);
      assert.ok(took < 10_000, `exited in ${took} ms`);
      await waitFor(() => typist.closeCodes.includes(1012), "close code 1012");
      typist.provider.disconnect();
      observer.provider.disconnect();
      const again = await spawnServer({ env });
      try {
        const code = await roomCode(again.url, roomId);
        assert.equal(typist.tokens.filter(({ token }) => countLines(code, token) !== 1).length, 0);
      } finally {
        again.kill("SIGTERM");
        await again.status;
      }
    } finally {
      typist.destroy();
      observer.destroy();
      if (env.DUET_DATA_DIR) await Deno.remove(env.DUET_DATA_DIR, { recursive: true });
    }
  });
}
