import { TextLineStream } from "./text_lines.ts";

/** A Duet server running in its own process, as `deno task start` runs it. */
export interface ServerProcess {
  url: string;
  port: number;
  child: Deno.ChildProcess;
  /** Structured log lines from stderr, parsed. */
  logs: Record<string, unknown>[];
  /** Sends a signal (SIGKILL is `kill -9`). */
  kill(signal: Deno.Signal): void;
  status: Promise<Deno.CommandStatus>;
}

/** Options for {@linkcode spawnServer}. */
export interface SpawnOptions {
  port?: number;
  env?: Record<string, string>;
  /** Killed when not listening by then; default 30 s (a new embedded database takes longer on a busy machine). */
  startTimeoutMs?: number;
}

const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** A loopback port nobody listens on right now. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Starts `main.ts` in a child process and waits until it listens. */
export async function spawnServer(options: SpawnOptions = {}): Promise<ServerProcess> {
  const port = options.port ?? freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-env", "--allow-read", "--allow-write", MAIN],
    env: { HOSTNAME: "127.0.0.1", PORT: String(port), ...options.env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const logs: Record<string, unknown>[] = [];
  const stderr = child.stderr.pipeThrough(new TextDecoderStream()).pipeThrough(
    new TextLineStream(),
  );
  (async () => {
    for await (const line of stderr) {
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ raw: line });
      }
    }
  })();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(new TextLineStream());
  const reader = lines.getReader();
  const deadline = setTimeout(() => child.kill("SIGKILL"), options.startTimeoutMs ?? 30_000);
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) {
        throw new Error(`The server exited before listening: ${JSON.stringify(logs.slice(-5))}`);
      }
      if (value.startsWith("Duet is running at")) break;
    }
  } finally {
    clearTimeout(deadline);
  }
  // Keep draining stdout so the child never blocks on a full pipe.
  (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    logs,
    kill(signal) {
      try {
        child.kill(signal);
      } catch (error) {
        // Already gone is fine: that is what a kill wants.
        if (!(error instanceof TypeError)) throw error;
      }
    },
    status: child.status,
  };
}
