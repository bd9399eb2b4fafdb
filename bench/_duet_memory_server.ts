/**
 * Duet started as main.ts starts it, for the memory benchmark only, with one
 * addition: on SIGUSR2 it runs a full garbage collection and writes its memory
 * figures (`Deno.memoryUsage()`) as JSON to `DUET_BENCH_MEMORY_FILE`. Without
 * a collection, RSS says more about when V8 last collected than about what a
 * room keeps. Run with `--v8-flags=--expose-gc`.
 */
import { createLogger } from "../lib/ops/logger.ts";
import { exitOnSignals, loadConfigOrExit, startServer } from "../main.ts";

const config = loadConfigOrExit();
const memoryFile = Deno.env.get("DUET_BENCH_MEMORY_FILE");
const collect = (globalThis as { gc?: () => void }).gc;
if (!memoryFile || !collect) {
  console.error("Needs DUET_BENCH_MEMORY_FILE and --v8-flags=--expose-gc");
  Deno.exit(2);
}
const logger = createLogger({ format: "json", level: "info" });
const server = await startServer(config, { logger });
console.log(`Duet (memory benchmark) is running at ${server.url}`);

Deno.addSignalListener("SIGUSR2", () => {
  // Two passes: the first may only queue finalizers.
  collect();
  collect();
  Deno.writeTextFileSync(memoryFile, JSON.stringify(Deno.memoryUsage()));
});
exitOnSignals(server, logger);
