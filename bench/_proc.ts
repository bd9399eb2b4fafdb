/** What Linux says about a process: CPU time and memory, read from /proc. */

let ticksPerSecond: number | undefined;

/** Clock ticks per second for /proc/<pid>/stat (`getconf CLK_TCK`, almost always 100). */
export async function clockTicks(): Promise<number> {
  if (ticksPerSecond === undefined) {
    try {
      const { stdout } = await new Deno.Command("getconf", { args: ["CLK_TCK"] }).output();
      ticksPerSecond = Number(new TextDecoder().decode(stdout).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User plus system CPU seconds the process has used (all its threads), or NaN once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    return statCpuSeconds(`/proc/${pid}/stat`);
  } catch {
    return NaN;
  }
}

/** utime + stime, in seconds, from a `/proc/…/stat` file (a process's or a thread's). */
function statCpuSeconds(path: string): number {
  const stat = Deno.readTextFileSync(path);
  // The command name may hold spaces; fields after its closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / (ticksPerSecond ?? 100);
}

/**
 * CPU seconds per thread of a process, summed by thread name (`comm`): Deno
 * names its main thread after the program, Web Workers `worker-<n>`, V8's
 * helpers (garbage collection, compilation) `V8 DefaultWorke`. Empty once gone.
 */
export function threadCpuSeconds(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  try {
    for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
      try {
        const name = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/comm`).trim();
        const seconds = statCpuSeconds(`/proc/${pid}/task/${task.name}/stat`);
        byName.set(name, (byName.get(name) ?? 0) + seconds);
      } catch {
        // The thread ended between listing and reading.
      }
    }
  } catch {
    // The process is gone.
  }
  return byName;
}

/**
 * Resets the process's peak resident memory (VmHWM) to its current RSS
 * (Linux: `5` written to /proc/<pid>/clear_refs). False when that is not
 * allowed; the peak then still counts everything since the process started.
 */
export function resetPeakMemory(pid: number): boolean {
  try {
    Deno.writeTextFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** Resident memory now and at its peak (VmRSS, VmHWM), in bytes. */
export function memory(pid: number): { rss: number; peak: number } {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const field = (name: string) =>
      Number(status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, "m"))?.[1] ?? NaN) * 1024;
    return { rss: field("VmRSS"), peak: field("VmHWM") };
  } catch {
    return { rss: NaN, peak: NaN };
  }
}

/** The machine, for the report: cores, CPU model, memory. */
export function machine(): { cores: number; cpu: string; memoryGiB: number } {
  const cpuinfo = Deno.readTextFileSync("/proc/cpuinfo");
  const meminfo = Deno.readTextFileSync("/proc/meminfo");
  const cpu = cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1].trim() ?? "unknown";
  const kb = Number(meminfo.match(/^MemTotal:\s+(\d+) kB/m)?.[1] ?? 0);
  return { cores: navigator.hardwareConcurrency, cpu, memoryGiB: kb / 1024 / 1024 };
}

/** Time the hypervisor gave to others while this machine wanted to run, in seconds, summed over CPUs. */
export function stealSeconds(): number {
  try {
    const line = Deno.readTextFileSync("/proc/stat").split("\n")[0];
    // cpu user nice system idle iowait irq softirq steal …
    return Number(line.trim().split(/\s+/)[8]) / (ticksPerSecond ?? 100);
  } catch {
    return NaN;
  }
}

/** CPU seconds of every process on the machine, by pid. */
export function allProcessesCpu(): Map<number, number> {
  const table = new Map<number, number>();
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const pid = Number(entry.name);
    const seconds = cpuSeconds(pid);
    if (Number.isFinite(seconds)) table.set(pid, seconds);
  }
  return table;
}

/**
 * CPU seconds used between two {@linkcode allProcessesCpu} tables by processes
 * other than `ours` (a process that started in between counts from zero).
 */
export function otherCpuSeconds(
  before: Map<number, number>,
  after: Map<number, number>,
  ours: Set<number>,
): number {
  let total = 0;
  for (const [pid, seconds] of after) {
    if (ours.has(pid)) continue;
    total += Math.max(0, seconds - (before.get(pid) ?? 0));
  }
  return total;
}
