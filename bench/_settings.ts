/**
 * The benchmark's settings (full and quick profiles, options), core pinning and logging.
 *
 * @module
 */
import { type ServerKind } from "./_wire.ts";

/** The repository's root folder. */
export const ROOT = new URL("../", import.meta.url).pathname;
/** Where the report is written. */
export const DOC_PATH = `${ROOT}docs/benchmarks.md`;
/** The reference servers (y-websocket, Hocuspocus) and their packages. */
export const REFERENCE_DIR = `${ROOT}bench/reference/`;
const START = performance.now();

// ---------------------------------------------------------------- settings

/** How long and how hard a run measures. */
export interface Profile {
  name: "full" | "quick";
  /** Rooms of two typists at each step of the capacity sweep (cumulative). */
  sweepRooms: number[];
  warmupMs: number;
  windowSeconds: number;
  drainMs: number;
  groupTotal: number;
  groupSizes: number[];
  groupWindowSeconds: number;
  couplingSeconds: number;
  couplingServers: ServerKind[];
  /** How often another client opens the 1 MB room. */
  opensPerSecond: number;
  coldRooms: number;
  memoryDocs: { bytes: number; rooms: number }[];
  memoryConnections: { rooms: number; perRoom: number };
  churnSeconds: number;
  churnWarmupSeconds: number;
  churnRooms: number;
  /** Seconds each server needs besides its sweep (start, room sizes, coupling). */
  serverReserveSeconds: number;
  /** Seconds the memory and churn sections need besides the churn itself. */
  memoryReserveSeconds: number;
  /** Seconds the start-up section needs. */
  startupReserveSeconds: number;
  /** Longest wait for other work on the machine to calm down before starting. */
  quietWaitSeconds: number;
  /** The whole run must end within this; later sweep steps are skipped to keep it. */
  budgetSeconds: number;
}

/** The full run, under 10 minutes. */
export const FULL: Profile = {
  name: "full",
  // Up to 1,000 typists: past that the load core saturates (see Gen CPU %).
  sweepRooms: [1, 50, 200, 350, 500],
  warmupMs: 1000,
  windowSeconds: 8,
  drainMs: 1500,
  groupTotal: 100,
  groupSizes: [5, 10, 20],

  groupWindowSeconds: 5,
  couplingSeconds: 6,
  couplingServers: ["duet", "yws", "hocuspocus"],
  opensPerSecond: 4,
  coldRooms: 8,
  memoryDocs: [
    { bytes: 10_000, rooms: 200 },
    { bytes: 100_000, rooms: 50 },
    { bytes: 1_000_000, rooms: 10 },
  ],
  memoryConnections: { rooms: 50, perRoom: 8 },
  // 45 s keeps the whole run under ten minutes on a slow day; --long-churn runs ten.
  churnSeconds: 45,
  churnWarmupSeconds: 10,
  churnRooms: 100,
  serverReserveSeconds: 50,
  memoryReserveSeconds: 65,
  startupReserveSeconds: 40,
  quietWaitSeconds: 20,
  budgetSeconds: 595,
};

const QUICK: Profile = {
  name: "quick",
  sweepRooms: [1, 50],
  warmupMs: 500,
  windowSeconds: 2,
  drainMs: 700,
  groupTotal: 40,
  groupSizes: [],
  groupWindowSeconds: 2,
  couplingSeconds: 2,
  couplingServers: ["duet"],
  opensPerSecond: 4,
  coldRooms: 0,
  memoryDocs: [{ bytes: 10_000, rooms: 20 }],
  memoryConnections: { rooms: 10, perRoom: 4 },
  churnSeconds: 5,
  churnWarmupSeconds: 3,
  churnRooms: 20,
  serverReserveSeconds: 6,
  memoryReserveSeconds: 20,
  startupReserveSeconds: 20,
  quietWaitSeconds: 6,
  budgetSeconds: 100,
};

/** Keystrokes per second of one typist. */
export const KEYS_PER_SECOND = 5;
/** The share of keystrokes that delete. */
export const DELETE_FRACTION = 1 / 3;
/** The p99 latency a step must stay under to pass. */
export const P99_LIMIT_MS = 50;
/** The sweep step the goal is checked at (rooms of 2). */
export const GOAL_ROOMS = 500;
const SERVER_ORDER: ServerKind[] = ["relay", "duet", "yws", "hocuspocus"];
/** Each server's name in the report. */
export const LABELS: Record<ServerKind, string> = {
  relay: "relay (floor)",
  duet: "Duet",
  yws: "y-websocket-server",
  hocuspocus: "Hocuspocus",
};

const SECTIONS = ["sweep", "groups", "coupling", "memory", "startup"] as const;
type Section = typeof SECTIONS[number];

/** What the command line asked for. */
export interface Options {
  profile: Profile;
  servers: ServerKind[];
  sections: Section[];
  write: boolean;
  churnSeconds: number;
}

/** Reads the command line; throws on an unknown flag or value. */
export function parseOptions(args: string[]): Options {
  const flags = new Map<string, string>();
  for (const arg of args) {
    const match = arg.match(/^--([a-z-]+)(?:=(.*))?$/);
    if (!match) throw new Error(`Unknown argument ${JSON.stringify(arg)}`);
    flags.set(match[1], match[2] ?? "true");
  }
  const known = [
    "quick",
    "write",
    "no-write",
    "servers",
    "churn-seconds",
    "long-churn",
    "sweep",
    "sections",
  ];
  for (const flag of flags.keys()) {
    if (!known.includes(flag)) {
      throw new Error(`Unknown flag --${flag}; known: ${known.join(", ")}`);
    }
  }
  const profile = { ...(flags.has("quick") ? QUICK : FULL) };
  if (flags.has("sweep")) {
    profile.sweepRooms = flags.get("sweep")!.split(",").map(Number);
    if (profile.sweepRooms.some((n) => !(n > 0))) {
      throw new Error("--sweep takes room counts: --sweep=1,50,200");
    }
  }
  const servers = (flags.get("servers")?.split(",") ?? SERVER_ORDER) as ServerKind[];
  for (const server of servers) {
    if (!SERVER_ORDER.includes(server)) throw new Error(`Unknown server ${server}`);
  }
  const churnSeconds = flags.has("long-churn")
    ? 600
    : Number(flags.get("churn-seconds") ?? profile.churnSeconds);
  if (!(churnSeconds > 0)) throw new Error("--churn-seconds must be a positive number");
  // The smoke run leaves out start-up (a first start alone takes 10 s) unless asked.
  const defaultSections = flags.has("quick")
    ? SECTIONS.filter((section) => section !== "startup")
    : SECTIONS;
  const sections = (flags.get("sections")?.split(",") ?? defaultSections) as Section[];
  for (const section of sections) {
    if (!SECTIONS.includes(section)) {
      throw new Error(`Unknown section ${section}; known: ${SECTIONS.join(", ")}`);
    }
  }
  const complete = servers.length === SERVER_ORDER.length && sections.length === SECTIONS.length &&
    !flags.has("sweep");
  const write = flags.has("no-write")
    ? false
    : flags.has("write") || (profile.name === "full" && complete);
  return {
    profile,
    servers: SERVER_ORDER.filter((s) => servers.includes(s)),
    sections,
    write,
    churnSeconds,
  };
}

/** Bytes in a mebibyte. */
export const MiB = 2 ** 20;

// ---------------------------------------------------------------- small helpers

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Seconds since the run started. */
export function elapsed(): number {
  return (performance.now() - START) / 1000;
}

/** A progress line on stderr, with the elapsed time. */
export function log(message: string): void {
  console.error(`[bench ${elapsed().toFixed(0).padStart(3)} s] ${message}`);
}

/** Runs a command and returns its trimmed stdout. */
export async function commandOutput(command: string, args: string[]): Promise<string> {
  try {
    const { stdout, success } = await new Deno.Command(command, { args, stderr: "null" }).output();
    return success ? new TextDecoder().decode(stdout).trim() : "";
  } catch {
    return "";
  }
}

/** CPU sets for the server and the load, when the machine has two cores or more. */
export interface Pinning {
  server?: string;
  load?: string;
}

/** Which cores the server and the load get (none pinned on one core). */
export async function choosePinning(): Promise<Pinning> {
  const cores = Number(await commandOutput("nproc", [])) || navigator.hardwareConcurrency;
  const taskset = await commandOutput("sh", ["-c", "command -v taskset"]);
  if (!taskset || cores < 2) return {};
  return { server: "0", load: cores === 2 ? "1" : `1-${cores - 1}` };
}

/** The command and arguments that run `command` on `cpus` (with taskset). */
export function pinned(
  cpus: string | undefined,
  command: string,
  args: string[],
): [string, string[]] {
  return cpus ? ["taskset", ["-c", cpus, command, ...args]] : [command, args];
}
