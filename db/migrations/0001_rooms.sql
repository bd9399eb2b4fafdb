-- One row per room: the Yjs document state (the source of truth) and a plain
-- text copy of the code for pages and the HTTP API.
CREATE TABLE rooms (
  id text PRIMARY KEY,
  language text NOT NULL,
  code text NOT NULL DEFAULT '',
  doc_state bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
