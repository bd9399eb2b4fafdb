/**
 * Starts Hocuspocus (@hocuspocus/server, version pinned in package.json) with
 * its defaults and no extensions: documents in memory, no authentication.
 *
 *   HOST=127.0.0.1 PORT=9002 node bench/reference/hocuspocus_server.mjs
 *
 * Version 3 is used because 4.x requires Node 22 and this machine has Node 20.
 */
import process from "node:process";

// Imported by name at run time: the package lives in bench/reference/node_modules,
// which the project's `deno check` does not resolve.
const importPackage = (name) => import(name);
const { Server } = await importPackage("@hocuspocus/server");

const host = process.env.HOST ?? "127.0.0.1";
const port = Number(process.env.PORT ?? "9002");

const server = new Server({ address: host, port, quiet: true, stopOnSignals: true });
await server.listen();
console.log(`hocuspocus listening on ${host}:${port}`);
