-- Every accepted update is appended here (group commit) before anyone is told
-- it is saved. Compaction folds rows up to rooms.snapshot_seq into
-- rooms.doc_state and deletes them. Sequence numbers are per room, allocated
-- under the room row's lock, so they commit in order and have no gaps.
ALTER TABLE rooms ADD COLUMN last_seq bigint NOT NULL DEFAULT 0;
ALTER TABLE rooms ADD COLUMN snapshot_seq bigint NOT NULL DEFAULT 0;

CREATE TABLE room_updates (
  room_id text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  seq bigint NOT NULL,
  update bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (room_id, seq)
);
