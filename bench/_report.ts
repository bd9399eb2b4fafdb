/**
 * The Markdown report written to docs/benchmarks.md.
 *
 * @module
 */
import { type ServerKind } from "./_wire.ts";
import { renderStartup, type StartupCase } from "./startup.ts";
import { type StepResult } from "./_measure.ts";
import type { MemoryResults, ServerResults } from "./_sections.ts";
import { type MemoryUsage } from "./_servers.ts";
import {
  FULL,
  GOAL_ROOMS,
  KEYS_PER_SECOND,
  LABELS,
  MiB,
  type Pinning,
  type Profile,
} from "./_settings.ts";

// ---------------------------------------------------------------- report

/** A number for the report's tables. */
export function fmt(value: number, digits?: number): string {
  if (!Number.isFinite(value)) return "–";
  if (digits !== undefined) return value.toFixed(digits);
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function kilo(value: number): string {
  if (!Number.isFinite(value)) return "–";
  return value >= 10_000
    ? `${(value / 1000).toFixed(0)} k`
    : value >= 1000
    ? `${(value / 1000).toFixed(1)} k`
    : value.toFixed(0);
}

function ratio(a: number, b: number): string {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return "–";
  return `${(a / b).toFixed(2)}×`;
}

function stepRow(step: StepResult, floor?: StepResult, reference?: StepResult): string {
  const l = step.latency;
  const problems = step.missing || step.errors
    ? `${step.missing} / ${step.errors}${
      Object.keys(step.errorKinds).length ? ` (${Object.keys(step.errorKinds).join(", ")})` : ""
    }`
    : "0 / 0";
  return `| ${LABELS[step.server]} | ${step.rooms} × ${step.perRoom} | ${step.typists} | ${
    fmt(l.p50)
  } | ${fmt(l.p95)} | ${fmt(l.p99)} | ${fmt(l.p999)} | ${fmt(l.max)} | ${
    floor ? ratio(l.p99, floor.latency.p99) : "–"
  } | ${reference ? ratio(l.p99, reference.latency.p99) : "–"} | ${
    fmt(step.serverCpuPercent, 0)
  } | ${cpuPerKey(step)} | ${
    reference ? ratio(step.cpuPerKeystrokeUs, reference.cpuPerKeystrokeUs) : "–"
  } | ${fmt(step.serverRssMiB, 0)} | ${kilo(step.updatesInPerSecond)} / ${
    kilo(step.updatesOutPerSecond)
  } | ${kilo(step.messagesInPerSecond)} / ${kilo(step.messagesOutPerSecond)} | ${problems} | ${
    fmt(step.probe.p99)
  } | ${fmt(step.generatorCpuPercent, 0)}${step.generatorBound ? " ⚠" : ""} | ${
    fmt(step.sendLagP99)
  } | ${fmt(step.otherCpuPercent, 0)} | ${
    step.pass ? (step.retried ? "yes²" : "yes") : "**no**"
  } |`;
}

const STEP_HEADER = [
  "| Server | Rooms × people | Typists | p50 ms | p95 | p99 | p99.9 | max | p99 / floor | p99 / ref | Server CPU % | CPU µs / key | CPU / ref | RSS MiB | Updates in / out per s | Msgs in / out per s | Missing / errors | Probe p99 ms | Gen CPU % | Send lag p99 ms | Other CPU % | Pass |",
  "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |",
];

/** A server that used (nearly) its whole core: its CPU per keystroke is a lower bound. */
export function saturated(step: StepResult): boolean {
  return step.serverCpuPercent >= 90;
}

function cpuPerKey(step: StepResult): string {
  return `${saturated(step) ? "≥ " : ""}${fmt(step.cpuPerKeystrokeUs, 0)}`;
}

/** The highest sweep step where both Duet and the reference were below saturation. */
function unsaturatedPair(
  all: ServerResults[],
): { duet: StepResult; ref: StepResult } | undefined {
  const duet = all.find((r) => r.kind === "duet")?.sweep ?? [];
  const ref = all.find((r) => r.kind === "yws")?.sweep ?? [];
  for (const step of [...duet].reverse()) {
    const other = ref.find((r) => r.rooms === step.rooms);
    if (other && !saturated(step) && !saturated(other) && step.rooms > 1) {
      return { duet: step, ref: other };
    }
  }
  return undefined;
}

function capacity(results: ServerResults): string {
  const firstFail = results.sweep.findIndex((s) => !s.pass);
  const passed = firstFail < 0 ? results.sweep : results.sweep.slice(0, firstFail);
  const best = passed.at(-1);
  const bound = passed.some((s) => s.generatorBound) ? ", generator-bound" : "";
  if (firstFail >= 0) {
    const failed = results.sweep[firstFail];
    return `${best ? best.typists : "< " + failed.typists} (fails at ${failed.typists})${bound}`;
  }
  if (!best) return "not measured";
  return `≥ ${best.typists} (${results.sweepStoppedBecause ?? "highest step"})${bound}`;
}

/** The machine and versions a run measured on. */
export interface Environment {
  date: string;
  nproc: string;
  cpu: string;
  memoryGiB: number;
  kernel: string;
  deno: string;
  node: string;
  pinning: Pinning;
  versions: Record<string, string>;
  profile: Profile;
  churnSeconds: number;
  seconds: number;
}

/** The whole report, as Markdown. */
export function render(
  env: Environment,
  all: ServerResults[],
  mem: MemoryResults | undefined,
  startup: StartupCase[] | undefined,
): string {
  const by = (kind: ServerKind) => all.find((r) => r.kind === kind);
  const at = (kind: ServerKind, rooms: number) => by(kind)?.sweep.find((s) => s.rooms === rooms);
  const groupAt = (kind: ServerKind, size: number) =>
    by(kind)?.groups.find((s) => s.perRoom === size);
  const lines: string[] = [];
  const out = (line = "") => lines.push(line);
  out("# Benchmarks");
  out();
  out("Generated by `deno task bench` (bench/run.ts); do not edit by hand — rerun it. Latest run:");
  out();
  out(
    `- Date: ${env.date}; the run took ${
      env.seconds.toFixed(0)
    } s (profile \`${env.profile.name}\`).`,
  );
  out(
    `- Machine: \`nproc\` = ${env.nproc}, ${env.cpu}, ${
      env.memoryGiB.toFixed(1)
    } GiB memory, Linux ${env.kernel}.`,
  );
  out(
    `- Software: deno ${env.deno}, node ${env.node}; ${
      Object.entries(env.versions).map(([k, v]) => `${k} ${v}`).join(", ")
    }.`,
  );
  out(
    env.pinning.server
      ? `- Pinning: each server on CPU ${env.pinning.server}, the load generators and this runner on CPU ${env.pinning.load} (\`taskset\`).`
      : "- Pinning: none (no `taskset` or a single core): server and load share the CPUs, so figures are pessimistic.",
  );
  out();
  out("## Summary");
  out();
  const goalRooms = GOAL_ROOMS;
  const duet500 = at("duet", goalRooms);
  const ref500 = at("yws", goalRooms);
  out(
    "| Server | Capacity: typists with p99 < 50 ms, no errors | p99 at 500 rooms of 2 (ms) | CPU µs / keystroke at 500 rooms | Peak RSS after start-up (MiB) | Updates verified |",
  );
  out("| --- | --- | ---: | ---: | ---: | --- |");
  for (const r of all) {
    const s = at(r.kind, goalRooms);
    out(
      `| ${LABELS[r.kind]} | ${capacity(r)} | ${s ? fmt(s.latency.p99) : "–"} | ${
        s ? cpuPerKey(s) : "–"
      } | ${fmt(r.peakRssMiB, 0)}${r.peakFromStartup === false ? " (with start-up)" : ""} | ${
        r.verify.rooms
          ? `${r.verify.ok}/${r.verify.rooms - r.verify.incomplete} rooms${
            r.verify.incomplete ? ` (${r.verify.incomplete} incomplete: overloaded)` : ""
          }`
          : "–"
      } |`,
    );
  }
  out();
  if (duet500 && ref500) {
    const cpuOk = !saturated(duet500) && !saturated(ref500) &&
      duet500.cpuPerKeystrokeUs <= ref500.cpuPerKeystrokeUs / 2;
    const p99Ok = duet500.latency.p99 <= 10 && duet500.latency.p99 <= ref500.latency.p99 &&
      duet500.pass;
    out(`Goal at ${GOAL_ROOMS} rooms of 2 (${GOAL_ROOMS * 2} typists):`);
    out();
    out(
      `- Server CPU per keystroke ≤ half the reference's: Duet ${cpuPerKey(duet500)} µs vs ${
        cpuPerKey(ref500)
      } µs (${ratio(duet500.cpuPerKeystrokeUs, ref500.cpuPerKeystrokeUs)}) — **${
        cpuOk ? "met" : "not met"
      }**.`,
    );
    if (saturated(duet500) || saturated(ref500)) {
      // A saturated server has not handled every keystroke sent in the window,
      // so its CPU per keystroke is only a lower bound: compare lower down too.
      const common = unsaturatedPair(all);
      out(
        `  At this step ${
          [duet500, ref500].filter(saturated).map((x) => LABELS[x.server]).join(" and ")
        } used a whole core (≥ 90 %), so ≥ marks a lower bound. ` +
          (common
            ? `At ${common.duet.rooms} rooms of 2, the highest step where neither was saturated: Duet ${
              fmt(common.duet.cpuPerKeystrokeUs, 0)
            } µs vs ${fmt(common.ref.cpuPerKeystrokeUs, 0)} µs per keystroke (${
              ratio(common.duet.cpuPerKeystrokeUs, common.ref.cpuPerKeystrokeUs)
            }).`
            : "No step had both below saturation."),
      );
    }
    out(
      `- p99 ≤ 10 ms and no worse than the reference: Duet ${fmt(duet500.latency.p99)} ms vs ${
        fmt(ref500.latency.p99)
      } ms — **${p99Ok ? "met" : "not met"}**.`,
    );
    out();
  } else {
    const skipped = all.filter((r) => r.goalSkippedForTime).map((r) => LABELS[r.kind]);
    out(
      `Goal at ${GOAL_ROOMS} rooms of 2: not measured in this run (${
        skipped.length
          ? `the step was left out for ${skipped.join(" and ")} to keep the run under ten minutes`
          : "the step was skipped or a server was left out"
      }).`,
    );
    out();
  }
  out("## Capacity sweep: rooms of 2, added step by step");
  out();
  out(
    `Each step adds rooms while the earlier ones keep typing, then measures ${env.profile.windowSeconds} s after ${
      env.profile.warmupMs / 1000
    } s of warm-up. After a server's first failing step only the goal step (500 rooms) is still measured, for Duet, the reference and the relay. Latency is from the keystroke's scheduled moment to its arrival at the other client.`,
  );
  out();
  lines.push(...STEP_HEADER);
  for (const target of env.profile.sweepRooms) {
    for (const r of all) {
      const s = r.sweep.find((step) => step.rooms === target);
      if (s) out(stepRow(s, at("relay", target), r.kind === "yws" ? undefined : at("yws", target)));
    }
  }
  out();
  const duetSteps = [...(by("duet")?.sweep ?? []), ...(by("duet")?.groups ?? [])].filter((step) =>
    step.commits
  );
  if (duetSteps.length) {
    out(
      "Where Duet's time goes: its update log writes every accepted update to the database by group commit (from Duet's `/metrics` over each window), and its CPU by thread (from /proc): the event loop (sockets, Yjs), the Web Worker that runs the embedded database, and V8's helper threads (garbage collection, compilation):",
    );
    out();
    out(
      "| Step | Typists | Commits / s | Updates / commit | Mean commit ms | Event loop ms / commit (wall) | Time inside commits | Server CPU % | Event loop CPU % | Database worker CPU % | V8 helpers CPU % |",
    );
    out("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const step of duetSteps) {
      const c = step.commits!;
      const t = step.threads;
      out(
        `| ${step.rooms} × ${step.perRoom} | ${step.typists} | ${fmt(c.perSecond, 0)} | ${
          fmt(c.updatesPerCommit, 1)
        } | ${fmt(c.meanMs)} | ${fmt(c.mainThreadMs, 2)} | ${fmt(c.busyPercent, 0)} % | ${
          fmt(step.serverCpuPercent, 0)
        } | ${t ? fmt(t.mainPercent, 0) : "–"} | ${t ? fmt(t.databasePercent, 0) : "–"} | ${
          t ? fmt(t.otherPercent, 0) : "–"
        } |`,
      );
    }
    out();
  }
  if (env.profile.groupSizes.length) {
    out(
      `## Room size: ${env.profile.groupTotal} typists in rooms of ${
        env.profile.groupSizes.join(", ")
      }`,
    );
    out();
    out(
      "Every keystroke goes to each other person in the room, so traffic out grows with room size.",
    );
    out();
    lines.push(...STEP_HEADER);
    for (const size of env.profile.groupSizes) {
      for (const r of all) {
        const s = groupAt(r.kind, size);
        if (s) {
          out(
            stepRow(s, groupAt("relay", size), r.kind === "yws" ? undefined : groupAt("yws", size)),
          );
        }
      }
    }
    out();
  }
  const couplings = all.filter((r) => r.coupling);
  if (couplings.length) {
    out("## Coupling: a small room while others keep opening a 1 MB room");
    out();
    out(
      `Two people type in a small room while other clients open a room holding a 1 MB document ${env.profile.opensPerSecond} times a second (each joins, waits for the whole document, leaves). ` +
        "*Warm*: the big room stays in memory (a client that inserted the 1 MB stays in it), so each open costs the server one encoding and sending of the document. " +
        `*Cold* (Duet only): ${env.profile.coldRooms} stored 1 MB rooms opened in turn, so each open also loads the room from the database and drops it after.`,
    );
    out();
    out(
      "| Server | Case | Small room p50 ms | p99 | max | p99 without opens (1-room step) | Opens | Open time p50 ms | Open p99 | Server CPU % | Probe p99 ms | Errors |",
    );
    out("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const r of couplings) {
      const base = r.sweep.find((s) => s.rooms === 1);
      for (const [label, c] of [["warm", r.coupling], ["cold", r.couplingCold]] as const) {
        if (!c) continue;
        out(
          `| ${LABELS[r.kind]} | ${label} | ${fmt(c.latency.p50)} | ${fmt(c.latency.p99)} | ${
            fmt(c.latency.max)
          } | ${base ? fmt(base.latency.p99) : "–"} | ${c.opens} | ${fmt(c.openTime.p50)} | ${
            fmt(c.openTime.p99)
          } | ${fmt(c.serverCpuPercent, 0)} | ${fmt(c.probe.p99)} | ${c.errors + c.missing} |`,
        );
      }
    }
    out();
  }
  if (mem) {
    const heap = (m: MemoryUsage) => m.heapUsed + m.external;
    out("## Memory (Duet)");
    out();
    out(
      `A fresh Duet server (embedded PGlite in a temporary folder), started through bench/_duet_memory_server.ts so that every figure is taken after a full garbage collection. ` +
        `After warm-up: JS heap + external ${fmt(heap(mem.baseline) / MiB, 1)} MiB, RSS ${
          fmt(mem.baseline.rss / MiB, 0)
        } MiB. ` +
        "Each room is opened by one idle client (loaded from the database and sent to it); growth is divided by the rooms or connections added. " +
        "Heap + external is what the rooms keep; RSS also counts memory V8 and PGlite's WebAssembly heap keep reserved after the loads.",
    );
    out();
    out(
      "| Each | Added | Heap + external per each (KiB) | RSS per each (KiB) | Heap per byte of code |",
    );
    out("| --- | ---: | ---: | ---: | ---: |");
    for (const row of mem.rows) {
      out(
        `| ${row.label} | ${row.count} | ${fmt(row.heapKiB, 1)} | ${fmt(row.rssKiB, 1)} | ${
          row.bytes ? `${fmt((row.heapKiB * 1024) / row.bytes, 2)}×` : "–"
        } |`,
      );
    }
    out();
    out(
      `After every client left: ${fmt(mem.openRoomsAfterClose, 0)} rooms open, heap + external ${
        fmt(heap(mem.afterClose) / MiB, 1)
      } MiB, RSS ${fmt(mem.afterClose.rss / MiB, 0)} MiB.`,
    );
    out();
    const c = mem.churn;
    out(
      `**Churn**: ${c.rooms} rooms of 10 KB, 2 seats each; a client joins, types 10 keys (2 s), leaves, and about 0.5 s later a new session (a new Yjs client, as after a reload) takes the seat, for ${c.seconds} s ` +
        `(${c.sessions} sessions, ${c.errors} errors). After a 10 s warm-up round: heap + external ${
          fmt(heap(c.baseline) / MiB, 1)
        } MiB, RSS ${fmt(c.baseline.rss / MiB, 0)} MiB. ` +
        `After the churn and everyone leaving: ${fmt(c.openRoomsAtEnd, 0)} rooms open, ${
          fmt(c.connectionsAtEnd, 0)
        } connections, heap + external ${fmt(heap(c.end) / MiB, 1)} MiB, RSS ${
          fmt(c.end.rss / MiB, 0)
        } MiB (peak RSS ${fmt(c.peakRss / MiB, 0)} MiB) — ` +
        `**${
          c.returned ? "returns to baseline" : "does not return to baseline"
        }** (live heap within 10 % or 5 MiB). ` +
        `RSS during the churn (s → MiB): ${
          c.samples.map(([t, m]) => `${t} → ${fmt(m, 0)}`).join(", ")
        }. The 10-minute run: \`deno task bench --long-churn\`.`,
    );
    out();
  }
  if (startup) lines.push(...renderStartup(startup));
  out("## How it is measured");
  out();
  out(
    [
      `- **Load**: bench/load_generator.ts, one Deno process per sweep step (all on the load CPU). Each typist presses ${KEYS_PER_SECOND} keys a second on a fixed schedule (phases spread at random over whole milliseconds), a third of them backspaces of its own last character; every keystroke sends the Yjs update and then an awareness update with the user and a y-codemirror.next cursor (about 230 bytes), as the browser editor does. Keystrokes are timed by a worker blocked in \`Atomics.wait\` (Deno's \`setTimeout\` fires 1–2 ms late); typists due in the same millisecond share one wake-up.`,
      "- **Updates are real Yjs**: written by hand to keep the generator cheap, but byte-identical to what Yjs encodes for the same edit (checked against Yjs at every generator start). In the first two rooms of each generator one receiver also applies every update it gets to a Y.Doc, and checks at the end that each typist's text arrived whole and in order (*Updates verified*).",
      "- **Latency** runs from the keystroke's *scheduled* moment (so a late generator counts against the result rather than hiding it) to its arrival at each other client, matched by the update's first item ID (sender's client ID and clock). Percentiles come from a log histogram with 2 % buckets. *Missing* counts deliveries that had not arrived 1.5 s after the window; any missing delivery or error fails the step. *Pass*: p99 < 50 ms, nothing missing, no errors; `yes²` means the first window failed and a second one right after passed (one noisy window does not set the capacity; a server at ≥ 90 % CPU gets no second window: its failure is load, not noise).",
      "- **Server CPU** is utime + stime of the server process (all threads) from /proc/<pid>/stat over the window; *CPU µs / key* divides it by keystrokes (each keystroke = one update + one awareness message in). When the server is saturated (CPU near 100 %) it has not handled every keystroke by the window's end, so µs / key is then a lower bound. *RSS* is the highest VmRSS sampled during the window; the summary's peak is VmHWM, reset once the server first answers (written to /proc/<pid>/clear_refs), so that it counts serving and not Duet's one-time database creation in its new data folder.",
      "- **Probe**: the runner sends sync step 1 in an empty room every 100 ms and times the answer — the server's responsiveness seen from outside, an upper bound of its event-loop lag (it also includes the loopback network and the busy load CPU).",
      "- **Gen CPU %** is the generators' CPU over the window, in % of one core; ⚠ marks steps above 85 %, where the generator itself may be the bottleneck (each keystroke costs it about as much as it costs the relay: the load core saturates near 1,000 typists in rooms of 2, earlier with servers that echo). *Send lag* is the generator's own lateness against the schedule.",
      "- **Other CPU %**: CPU used during the window by processes outside the benchmark (this machine is shared: tests and browsers of other work may run at the same time). Above a few % the figures of that window are disturbed; rerun when the machine is quiet.",
      "- **Updates / Msgs in / out**: document updates, and all messages (updates, awareness, acknowledgements), that the clients sent to the server / received from it, per second. The reference server and Hocuspocus also send each update and awareness change back to its sender, and Hocuspocus acknowledges every update with a sync-status message, so their *out* is larger for the same work.",
      "- **Servers**: Duet (`deno run -A main.ts`, `DUET_DATA_DIR` a temporary folder so the update log and snapshots go to the embedded PGlite as in production, rooms created with `POST /rooms`; because every client comes from 127.0.0.1, `DUET_MAX_CONNECTIONS_PER_ADDRESS` and `DUET_ROOMS_PER_MINUTE` are raised, every other limit is the default); the relay (bench/relay_server.ts: forwards frames, no Yjs, the floor); `@y/websocket-server` 0.1.1 through its `setupWSConnection` with `ws` 8 (bench/reference/y_websocket_server.mjs, no persistence); Hocuspocus 3.4.4 with no extensions (bench/reference/hocuspocus_server.mjs; 4.x needs Node 22; the generator speaks its framing: document name prefix, auth message first). Rooms start empty except where a size is given.",
    ].join("\n"),
  );
  out();
  out("## Reproduce");
  out();
  out("```sh");
  out(
    "deno task bench                      # this page, under 10 minutes (installs bench/reference with npm ci if needed)",
  );
  out("deno task bench --quick              # a one-minute smoke run; prints the tables only");
  out(
    `deno task bench --long-churn         # churn for 10 minutes instead of ${FULL.churnSeconds} s`,
  );
  out("deno task bench --servers=duet,yws   # a subset of relay, duet, yws, hocuspocus");
  out(
    "deno task bench --sections=sweep --sweep=1,500   # chosen sections and sweep steps (prints only)",
  );
  out("```");
  out();
  out(
    "Needs Deno, Node.js with npm (for the reference servers) and, for pinning, `taskset` (util-linux). Everything listens on 127.0.0.1 only.",
  );
  return lines.join("\n") + "\n";
}
