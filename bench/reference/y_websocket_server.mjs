/**
 * Starts the reference y-websocket server, @y/websocket-server 0.1.1, the way
 * its own bin (src/server.js) does, but bound to HOST and with the `ws`
 * version pinned in package.json (its bin takes whatever `ws` resolves to).
 *
 *   HOST=127.0.0.1 PORT=9001 node bench/reference/y_websocket_server.mjs
 *
 * No persistence (YPERSISTENCE unset) and no callback: documents live in
 * memory, as in the package's default set-up.
 */
import http from "node:http";
import process from "node:process";

// Imported by name at run time: these packages live in bench/reference/node_modules,
// which the project's `deno check` does not resolve.
const importPackage = (name) => import(name);
const { setupWSConnection } = await importPackage("@y/websocket-server/utils");
const { WebSocketServer } = await importPackage("ws");

const host = process.env.HOST ?? "127.0.0.1";
const port = Number(process.env.PORT ?? "9001");

const wss = new WebSocketServer({ noServer: true });
wss.on("connection", setupWSConnection);

const server = http.createServer((_request, response) => {
  response.writeHead(200, { "content-type": "text/plain" });
  response.end("okay");
});
server.on("upgrade", (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, (ws) => wss.emit("connection", ws, request));
});
server.listen(port, host, () => console.log(`y-websocket-server listening on ${host}:${port}`));

for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(0));
