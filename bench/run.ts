/**
 * Duet's sync benchmarks, end to end: starts each server under test as a child
 * process pinned to one core, drives it with bench/load_generator.ts pinned to
 * the other, and writes the figures to docs/benchmarks.md (and stdout).
 *
 * ```sh
 * deno task bench                      # full run, under 10 minutes; writes docs/benchmarks.md
 * deno task bench --quick              # about a minute, prints only (add --write to save)
 * deno task bench --churn-seconds=600  # the 10-minute churn run (or --long-churn)
 * deno task bench --servers=duet,yws   # a subset: relay, duet, yws, hocuspocus
 * ```
 *
 * For digging into Duet: `DUET_BENCH_V8_FLAGS=--prof` passes V8 flags to it
 * (read the isolate logs with `node --prof-process`), `DUET_BENCH_GEN_V8_FLAGS`
 * does the same for the load generators, and
 * `DUET_BENCH_KEEP_LOGS=1` keeps the servers' logs in the temporary folder.
 *
 * Servers: the bare relay (bench/relay_server.ts, the floor), Duet (main.ts),
 * the reference y-websocket server and Hocuspocus (bench/reference/, on Node).
 */
import { allProcessesCpu, clockTicks, machine, otherCpuSeconds } from "./_proc.ts";
import { measureStartup } from "./startup.ts";
import { type Environment, render } from "./_report.ts";
import { memorySection, runServer, type ServerResults } from "./_sections.ts";
import { killChildren } from "./_servers.ts";
import {
  choosePinning,
  commandOutput,
  DOC_PATH,
  elapsed,
  log,
  parseOptions,
  pinned,
  REFERENCE_DIR,
  ROOT,
  sleep,
} from "./_settings.ts";

// ---------------------------------------------------------------- main

/**
 * Other work on the machine (tests, browsers) skews every figure. Waits a
 * little (`quietWaitSeconds`) for the other processes to use under 15 % of a core, then goes on
 * regardless; each window reports what they used.
 */
async function waitForQuiet(maxSeconds: number): Promise<void> {
  const ours = new Set([Deno.pid]);
  for (let waited = 0; waited < maxSeconds; waited += 2) {
    const before = allProcessesCpu();
    await sleep(2000);
    const percent = (otherCpuSeconds(before, allProcessesCpu(), ours) / 2) * 100;
    if (percent < 15) return;
    log(`other processes use ${percent.toFixed(0)} % of a core; waiting for a quieter machine`);
  }
  log("going on despite other load; see the Other CPU % column");
}

async function ensurePrerequisites(): Promise<void> {
  try {
    await Deno.stat(`${ROOT}static/build/manifest.json`);
  } catch {
    log("building Duet's islands (deno task build)");
    const { success } = await new Deno.Command(Deno.execPath(), {
      args: ["task", "build"],
      cwd: ROOT,
    }).output();
    if (!success) throw new Error("deno task build failed");
  }
  const lock = JSON.parse(await Deno.readTextFile(`${REFERENCE_DIR}package-lock.json`));
  let installed = true;
  for (
    const [path, entry] of Object.entries(lock.packages as Record<string, { version?: string }>)
  ) {
    if (!path) continue;
    try {
      const pkg = JSON.parse(await Deno.readTextFile(`${REFERENCE_DIR}${path}/package.json`));
      if (pkg.version !== entry.version) installed = false;
    } catch {
      installed = false;
    }
    if (!installed) break;
  }
  if (!installed) {
    log("installing the reference servers (npm ci --prefix bench/reference)");
    const { success } = await new Deno.Command("npm", {
      args: ["ci", "--prefix", REFERENCE_DIR, "--no-audit", "--no-fund"],
      cwd: ROOT,
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (!success) throw new Error("npm ci --prefix bench/reference failed");
  }
}

async function referenceVersions(): Promise<Record<string, string>> {
  const versions: Record<string, string> = {};
  for (const name of ["@y/websocket-server", "@hocuspocus/server", "yjs", "ws"]) {
    try {
      versions[name] =
        JSON.parse(await Deno.readTextFile(`${REFERENCE_DIR}node_modules/${name}/package.json`))
          .version;
    } catch {
      versions[name] = "?";
    }
  }
  try {
    const denoJson = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
    versions["yjs (Duet)"] = String(denoJson.imports.yjs).replace(/^npm:yjs@/, "");
  } catch {
    // not shown
  }
  return versions;
}

async function main(): Promise<void> {
  const options = parseOptions(Deno.args);
  const { profile } = options;
  await clockTicks();
  // Before pinning this process: nproc reports the CPUs it may use.
  const nproc = await commandOutput("nproc", []);
  const pinning = await choosePinning();
  if (pinning.load) {
    // The runner (and its probe) stays off the server's core.
    await commandOutput("taskset", ["-pc", pinning.load, String(Deno.pid)]);
  }
  await ensurePrerequisites();
  const info = machine();
  const budget = profile.budgetSeconds + Math.max(0, options.churnSeconds - profile.churnSeconds);
  // Time the memory and churn sections need at the end.
  const duet = options.servers.includes("duet");
  const tail =
    (duet && options.sections.includes("memory")
      ? options.churnSeconds + profile.memoryReserveSeconds
      : 0) + (duet && options.sections.includes("startup") ? profile.startupReserveSeconds : 0);
  // The least sweep worth having: up to three steps.
  const minSweep = Math.min(3, profile.sweepRooms.length) *
    (profile.windowSeconds + profile.warmupMs / 1000 + 2);
  log(
    `profile ${profile.name}; servers ${options.servers.join(", ")}; pinning ${
      JSON.stringify(pinning)
    }`,
  );
  const all: ServerResults[] = [];
  const serverSections = options.sections.some((section) =>
    section !== "memory" && section !== "startup"
  );
  await waitForQuiet(profile.quietWaitSeconds);
  for (const [i, kind] of (serverSections ? options.servers : []).entries()) {
    // Each server's sweep must leave time for the servers after it and the tail.
    const remaining = options.servers.length - i - 1;
    const deadline = budget - tail - remaining * (profile.serverReserveSeconds + minSweep) -
      profile.serverReserveSeconds;
    all.push(await runServer(kind, pinning, options, deadline));
  }
  const mem = options.servers.includes("duet") && options.sections.includes("memory")
    ? await memorySection(pinning, options)
    : undefined;
  const startup = options.servers.includes("duet") && options.sections.includes("startup")
    ? await measureStartup(
      (command, args) => pinned(pinning.server, command, args),
      profile.name === "full" ? 3 : 1,
    )
    : undefined;
  for (const c of startup ?? []) log(`start-up: ${c.label}: median ${c.medianMs.toFixed(0)} ms`);
  const env: Environment = {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    nproc,
    cpu: info.cpu,
    memoryGiB: info.memoryGiB,
    kernel: await commandOutput("uname", ["-r"]),
    deno: Deno.version.deno,
    node: (await commandOutput("node", ["--version"])).replace(/^v/, ""),
    pinning,
    versions: await referenceVersions(),
    profile,
    churnSeconds: options.churnSeconds,
    seconds: elapsed(),
  };
  const markdown = render(env, all, mem, startup);
  console.log(markdown);
  if (options.write) {
    await Deno.writeTextFile(DOC_PATH, markdown);
    // Keep the generated page as `deno fmt` would write it.
    await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", DOC_PATH], cwd: ROOT })
      .output();
    log(`wrote ${DOC_PATH}`);
  }
  log(`done in ${elapsed().toFixed(0)} s`);
}

if (import.meta.main) {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      log(`${signal}: stopping the servers and generators`);
      killChildren();
      Deno.exit(130);
    });
  }
  try {
    await main();
  } catch (error) {
    killChildren();
    throw error;
  }
  // Signal listeners would keep the process alive.
  Deno.exit(0);
}
