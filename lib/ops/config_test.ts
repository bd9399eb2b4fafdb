import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.ts";
import { DEFAULT_LIMITS } from "./limits.ts";

Deno.test("loadConfig – defaults when nothing is set", () => {
  assert.deepEqual(loadConfig({}), {
    port: 8000,
    hostname: "0.0.0.0",
    databaseUrl: undefined,
    dataDir: "./data",
    publicUrl: undefined,
    bus: "local",
    limits: DEFAULT_LIMITS,
    allowedOrigins: [],
    roomTtlDays: 30,
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
    limits: DEFAULT_LIMITS,
    allowedOrigins: [],
    roomTtlDays: 30,
  });
});

Deno.test("loadConfig – picks the bus from the database unless told", () => {
  assert.equal(
    loadConfig({ DATABASE_URL: "postgres://x/y", DUET_BUS: "broadcast" }).bus,
    "broadcast",
  );
  assert.equal(loadConfig({ DATABASE_URL: "postgres://x/y", DUET_BUS: "local" }).bus, "local");
  assert.throws(() => loadConfig({ DUET_BUS: "postgres" }), /needs DATABASE_URL/);
  assert.throws(() => loadConfig({ DUET_BUS: "redis" }), /DUET_BUS must be/);
});

Deno.test("loadConfig – refuses DUET_BUS=broadcast with the embedded database, naming why", () => {
  assert.throws(
    () => loadConfig({ DUET_BUS: "broadcast" }),
    (error: Error) =>
      error instanceof ConfigError &&
      /DUET_BUS: broadcast needs DATABASE_URL/.test(error.message) &&
      /own embedded database/.test(error.message),
  );
  assert.throws(
    () => loadConfig({ DUET_BUS: "broadcast", DUET_DATA_DIR: "/srv/duet" }),
    ConfigError,
  );
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

Deno.test("loadConfig – reads every limit and the allowed origins", () => {
  const config = loadConfig({
    DUET_MAX_MESSAGE_BYTES: "2048",
    DUET_MAX_DOCUMENT_BYTES: "4096",
    DUET_MAX_PEOPLE_PER_ROOM: "3",
    DUET_MAX_CONNECTIONS_PER_ADDRESS: "4",
    DUET_MESSAGES_PER_SECOND: "5",
    DUET_ROOMS_PER_MINUTE: "6",
    DUET_AUTOCOMPLETE_MAX_BYTES: "7",
    DUET_AUTOCOMPLETE_PER_MINUTE: "8",
    DUET_PAGE_BYTES_PER_MINUTE: "65536",
    DUET_MAX_BUFFERED_BYTES: "9",
    DUET_IDLE_TIMEOUT_SECONDS: "0",
    DUET_MAX_PRESENCE_BYTES: "1000",
    DUET_ALLOWED_ORIGINS: "https://ide.example.org/, http://localhost:3000",
  });
  assert.deepEqual(config.limits, {
    maxMessageBytes: 2048,
    maxDocumentBytes: 4096,
    maxPeoplePerRoom: 3,
    maxConnectionsPerAddress: 4,
    messagesPerSecond: 5,
    roomsPerMinute: 6,
    autocompleteMaxBytes: 7,
    autocompletePerMinute: 8,
    pageBytesPerMinute: 65536,
    maxBufferedBytes: 9,
    idleTimeoutSeconds: 0,
    maxPresenceBytes: 1000,
  });
  assert.deepEqual(config.allowedOrigins, ["https://ide.example.org", "http://localhost:3000"]);
});

Deno.test("loadConfig – names each wrong limit and origin", () => {
  assert.throws(
    () =>
      loadConfig({
        DUET_MAX_PEOPLE_PER_ROOM: "0",
        DUET_MESSAGES_PER_SECOND: "fast",
        DUET_IDLE_TIMEOUT_SECONDS: "-1",
        DUET_MAX_MESSAGE_BYTES: String(128 * 1024 * 1024),
        DUET_ALLOWED_ORIGINS: "https://ok.example, https://bad.example/path",
      }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /DUET_MAX_PEOPLE_PER_ROOM: .*at least 1 \(got "0"\)/);
      assert.match(error.message, /DUET_MESSAGES_PER_SECOND: .*must be a number/);
      assert.match(error.message, /DUET_IDLE_TIMEOUT_SECONDS: .*at least 0/);
      assert.match(error.message, /DUET_MAX_MESSAGE_BYTES: .*at most 64 MiB/);
      assert.match(error.message, /DUET_ALLOWED_ORIGINS: .*"https:\/\/bad.example\/path"/);
      return true;
    },
  );
});

Deno.test("loadConfig – DUET_ROOM_TTL_DAYS: 0 keeps rooms for ever, negatives are refused", () => {
  assert.equal(loadConfig({ DUET_ROOM_TTL_DAYS: "0" }).roomTtlDays, 0);
  assert.equal(loadConfig({ DUET_ROOM_TTL_DAYS: "7" }).roomTtlDays, 7);
  assert.throws(() => loadConfig({ DUET_ROOM_TTL_DAYS: "-1" }), /DUET_ROOM_TTL_DAYS: .*at least 0/);
});
