/**
 * Starting the servers under test as pinned child processes, and making rooms in them.
 *
 * @module
 */
import { cpuSeconds, memory } from "./_proc.ts";
import { type ServerKind } from "./_wire.ts";
import { freePort } from "../testing/process.ts";
import { createRoom } from "../testing/rooms.ts";
import { log, pinned, type Pinning, REFERENCE_DIR, ROOT, sleep } from "./_settings.ts";

// ---------------------------------------------------------------- servers

/** A server under test, running as a child process. */
export interface RunningServer {
  kind: ServerKind;
  pid: number;
  port: number;
  urlBase: string;
  /** A room the load may use: created through the API for Duet, named for the others. */
  createRoom(code?: string): Promise<string>;
  /** Duet started with the memory probe: full GC, then its memory figures. */
  collectAndMeasure(): Promise<MemoryUsage>;
  stop(): Promise<void>;
}

/** A server's memory: resident set and V8 heap. */
export interface MemoryUsage {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

let roomCounter = 0;

/** Every child process still running, so an interrupted run leaves none behind. */
export const children = new Set<Deno.ChildProcess>();

/** Temporary files and folders to remove even when the run is interrupted. */
const temporaryPaths = new Set<string>();

/** Kills every child process and removes temporary folders. */
export function killChildren(): void {
  for (const path of temporaryPaths) {
    try {
      Deno.removeSync(path, { recursive: true });
    } catch {
      // gone already
    }
  }
  for (const child of children) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
}

/**
 * V8 flags from the environment, e.g. `--prof` or `--trace-gc`: for Duet from
 * `DUET_BENCH_V8_FLAGS`, for the load generators from `DUET_BENCH_GEN_V8_FLAGS`.
 */
export function v8Flags(variable = "DUET_BENCH_V8_FLAGS"): string[] {
  const flags = Deno.env.get(variable);
  return flags ? [`--v8-flags=${flags}`] : [];
}

/** Starts a server under test pinned to its core and waits until it answers. */
export async function startServer(
  kind: ServerKind,
  pinning: Pinning,
  options: { memoryProbe?: boolean } = {},
): Promise<RunningServer> {
  const port = freePort();
  const logPath = await Deno.makeTempFile({ prefix: `bench-${kind}-`, suffix: ".log" });
  if (!Deno.env.get("DUET_BENCH_KEEP_LOGS")) temporaryPaths.add(logPath);
  let dataDir: string | undefined;
  let memoryFile: string | undefined;
  let command: string;
  let args: string[];
  const env: Record<string, string> = {
    PORT: String(port),
    HOSTNAME: "127.0.0.1",
    HOST: "127.0.0.1",
  };
  switch (kind) {
    case "relay":
      command = Deno.execPath();
      args = ["run", "--allow-net", "--allow-env", `${ROOT}bench/relay_server.ts`];
      break;
    case "duet":
      dataDir = await Deno.makeTempDir({ prefix: "duet-bench-" });
      temporaryPaths.add(dataDir);
      env.DUET_DATA_DIR = dataDir;
      // Every benchmark client comes from 127.0.0.1: lift the per-address
      // limits meant for the public internet (all else stays as shipped).
      env.DUET_MAX_CONNECTIONS_PER_ADDRESS = "1000000";
      env.DUET_ROOMS_PER_MINUTE = "1000000";
      command = Deno.execPath();
      args = ["run", "-A", ...v8Flags(), `${ROOT}main.ts`];
      if (options.memoryProbe) {
        memoryFile = await Deno.makeTempFile({ prefix: "duet-bench-memory-", suffix: ".json" });
        temporaryPaths.add(memoryFile);
        env.DUET_BENCH_MEMORY_FILE = memoryFile;
        args = ["run", "-A", "--v8-flags=--expose-gc", `${ROOT}bench/_duet_memory_server.ts`];
      }
      break;
    case "yws":
      command = "node";
      args = [`${REFERENCE_DIR}y_websocket_server.mjs`];
      break;
    case "hocuspocus":
      command = "node";
      args = [`${REFERENCE_DIR}hocuspocus_server.mjs`];
      break;
  }
  const [program, programArgs] = pinned(pinning.server, command, args);
  const logFile = await Deno.open(logPath, { write: true, append: true });
  const child = new Deno.Command(program, {
    args: programArgs,
    env,
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  children.add(child);
  child.status.finally(() => children.delete(child));
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) await logFile.write(chunk);
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]).catch(() => {});
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const http = `http://127.0.0.1:${port}`;
  // Ready when it answers HTTP (Duet: when its database is up).
  const readyBy = performance.now() + 60_000;
  while (true) {
    if (exited) {
      throw new Error(
        `${kind} exited at start; log: ${logPath}\n${await Deno.readTextFile(logPath)}`,
      );
    }
    try {
      const response = await fetch(kind === "duet" ? `${http}/healthz` : http);
      await response.body?.cancel();
      if (response.ok) break;
    } catch {
      // not yet
    }
    if (performance.now() > readyBy) throw new Error(`${kind} did not start; log: ${logPath}`);
    await sleep(100);
  }
  const urlBase = kind === "duet" ? `ws://127.0.0.1:${port}/ws/` : `ws://127.0.0.1:${port}/`;
  return {
    kind,
    pid: child.pid,
    port,
    urlBase,
    async createRoom(code = "") {
      if (kind !== "duet") return `room-${++roomCounter}`;
      return (await createRoom(http, { language: "typescript", code })).roomId;
    },
    async collectAndMeasure() {
      if (!memoryFile) throw new Error("Started without the memory probe");
      const before = (await Deno.stat(memoryFile)).mtime?.getTime() ?? 0;
      Deno.kill(child.pid, "SIGUSR2");
      const until = performance.now() + 10_000;
      while (performance.now() < until) {
        await sleep(50);
        const stat = await Deno.stat(memoryFile);
        if ((stat.mtime?.getTime() ?? 0) !== before && stat.size > 0) {
          const usage = JSON.parse(await Deno.readTextFile(memoryFile));
          // RSS settles a moment after the collection returns memory.
          await sleep(200);
          return { ...usage, rss: memory(child.pid).rss };
        }
      }
      throw new Error("Duet did not answer the memory probe");
    },
    async stop() {
      if (!exited) {
        try {
          child.kill("SIGTERM");
        } catch {
          // already gone
        }
        const timer = setTimeout(() => {
          try {
            child.kill("SIGKILL");
          } catch {
            // already gone
          }
        }, 15_000);
        await status;
        clearTimeout(timer);
      }
      await pumps;
      logFile.close();
      if (dataDir) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
      if (memoryFile) await Deno.remove(memoryFile).catch(() => {});
      const text = await Deno.readTextFile(logPath).catch(() => "");
      const problems = text.split("\n").filter((line) =>
        /"level":"(error|warn)"|Error|error/.test(line)
      );
      if (problems.length) {
        log(
          `${kind} logged ${problems.length} warnings/errors, e.g.: ${problems[0].slice(0, 200)}`,
        );
      }
      if (!Deno.env.get("DUET_BENCH_KEEP_LOGS")) await Deno.remove(logPath).catch(() => {});
    },
  };
}

/** Creates rooms with at most 8 requests in flight. */
export async function createRooms(
  server: RunningServer,
  count: number,
  code = "",
): Promise<string[]> {
  const rooms: string[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      rooms[i] = await server.createRoom(code);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, count) }, worker));
  return rooms;
}

/** Waits until the server has been nearly idle (under 5 % of a core) for 300 ms, at most `maxMs`. */
export async function quiesce(server: RunningServer, maxMs = 8000): Promise<void> {
  const until = performance.now() + maxMs;
  while (performance.now() < until) {
    const before = cpuSeconds(server.pid);
    await sleep(300);
    if (cpuSeconds(server.pid) - before < 0.015) return;
  }
}
