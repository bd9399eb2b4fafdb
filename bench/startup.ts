/**
 * Start-up: time from launching Duet to its first successful response
 * (`GET /healthz` answering 200), the way a user starts it.
 *
 * @module
 */
import { freePort } from "../testing/process.ts";
const ROOT = new URL("../", import.meta.url).pathname;

/** One way of starting Duet, timed over several runs. */
export interface StartupCase {
  label: string;
  runs: number[];
  medianMs: number;
}

/** How to run a command on the server's core (`taskset`), as `[program, args]`. */
export type Pin = (command: string, args: string[]) => [string, string[]];

/**
 * Times three ways of starting: `deno task start` with an existing data
 * folder (the bundles are rebuilt by the task, as they are for a user),
 * `deno task start` with a new folder (the first start creates the
 * database, timed once), and `deno run main.ts` without the build step.
 */
export async function measureStartup(pin: Pin, runs: number): Promise<StartupCase[]> {
  // A first start creates the database (about 10 s): once is enough.
  const newFolderRuns = 1;
  const folder = await Deno.makeTempDir({ prefix: "duet-bench-startup-" });
  try {
    // A database for the "existing folder" cases.
    await timeStart(pin, ["task", "start"], `${folder}/existing`);
    const cases: [string, string[], (run: number) => string, number][] = [
      [
        "`deno task start`, existing data folder",
        ["task", "start"],
        () => `${folder}/existing`,
        runs,
      ],
      [
        "`deno task start`, new data folder (creates the database)",
        ["task", "start"],
        (run) => `${folder}/new-${run}`,
        newFolderRuns,
      ],
      [
        "`deno run main.ts` (no build step), existing data folder",
        ["run", "--allow-net", "--allow-env", "--allow-read", "--allow-write", "main.ts"],
        () => `${folder}/existing`,
        runs,
      ],
    ];
    const results: StartupCase[] = [];
    for (const [label, args, dataDir, count] of cases) {
      const times: number[] = [];
      for (let run = 0; run < count; run++) times.push(await timeStart(pin, args, dataDir(run)));
      const sorted = [...times].sort((a, b) => a - b);
      results.push({ label, runs: times, medianMs: sorted[Math.floor(sorted.length / 2)] });
    }
    return results;
  } finally {
    await Deno.remove(folder, { recursive: true }).catch(() => {});
  }
}

/** Milliseconds from spawning `deno <args>` to `/healthz` answering 200. */
async function timeStart(pin: Pin, args: string[], dataDir: string): Promise<number> {
  const port = freePort();
  // Its own process group, so that the task runner and the server it starts
  // stop together.
  const [program, programArgs] = pin("setsid", [Deno.execPath(), ...args]);
  const started = performance.now();
  const child = new Deno.Command(program, {
    args: programArgs,
    cwd: ROOT,
    env: { PORT: String(port), HOSTNAME: "127.0.0.1", DUET_DATA_DIR: dataDir },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  try {
    const deadline = started + 60_000;
    while (performance.now() < deadline) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        async (response) => {
          await response.body?.cancel();
          return response.ok;
        },
        () => false,
      );
      if (ok) return performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`Duet did not answer within 60 s:\n${await stderr}`);
  } finally {
    try {
      Deno.kill(-child.pid, "SIGTERM");
    } catch {
      // Already gone.
    }
    await child.status;
    await stderr;
  }
}

/** The Markdown section. */
export function renderStartup(cases: StartupCase[]): string[] {
  return [
    "## Start-up",
    "",
    "Time from launching Duet to its first successful response (`GET /healthz` → 200), pinned like the servers above; bundles already built (`deno task start` still runs the build step, which rewrites them).",
    "",
    "| How | Median ms | Runs (ms) |",
    "| --- | ---: | --- |",
    ...cases.map((c) =>
      `| ${c.label} | ${c.medianMs.toFixed(0)} | ${
        c.runs.map((run) => run.toFixed(0)).join(", ")
      } |`
    ),
    "",
  ];
}
