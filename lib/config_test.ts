import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.ts";

Deno.test("loadConfig – defaults when nothing is set", () => {
  assert.deepEqual(loadConfig({}), {
    port: 8000,
    hostname: "0.0.0.0",
    databaseUrl: undefined,
    dataDir: "./data",
    publicUrl: undefined,
    bus: "local",
  });
});

Deno.test("loadConfig – reads every variable", () => {
  const config = loadConfig({
    PORT: "9001",
    HOSTNAME: "127.0.0.1",
    DATABASE_URL: "postgres://localhost/duet",
    DUET_DATA_DIR: "/var/lib/duet",
    PUBLIC_URL: "https://duet.example.com/",
  });
  assert.deepEqual(config, {
    port: 9001,
    hostname: "127.0.0.1",
    databaseUrl: "postgres://localhost/duet",
    dataDir: "/var/lib/duet",
    publicUrl: "https://duet.example.com",
    bus: "postgres",
  });
});

Deno.test("loadConfig – picks the bus from the database unless told", () => {
  assert.equal(loadConfig({ DUET_BUS: "broadcast" }).bus, "broadcast");
  assert.equal(loadConfig({ DATABASE_URL: "postgres://x/y", DUET_BUS: "local" }).bus, "local");
  assert.throws(() => loadConfig({ DUET_BUS: "postgres" }), /needs DATABASE_URL/);
  assert.throws(() => loadConfig({ DUET_BUS: "redis" }), /DUET_BUS must be/);
});

Deno.test("loadConfig – treats blank values as unset", () => {
  assert.equal(loadConfig({ PORT: "", DATABASE_URL: " " }).port, 8000);
  assert.equal(loadConfig({ DATABASE_URL: "" }).databaseUrl, undefined);
});

Deno.test("loadConfig – names each wrong variable and its value", () => {
  assert.throws(
    () => loadConfig({ PORT: "eighty", DATABASE_URL: "mysql://x", PUBLIC_URL: "ftp://x" }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /PORT: PORT must be a number \(got "eighty"\)/);
      assert.match(error.message, /DATABASE_URL: .*postgres:\/\//);
      assert.match(error.message, /PUBLIC_URL: .*http/);
      return true;
    },
  );
  assert.throws(() => loadConfig({ PORT: "70000" }), /between 0 and 65535/);
  assert.throws(() => loadConfig({ PORT: "80.5" }), /whole number/);
});
