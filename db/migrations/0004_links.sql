-- Links and the owner (issue 12). A room keeps its internal id (`id`, the
-- primary key the log and the registry use); the links people hold are
-- separate: `edit_id` (starts equal to `id`, replaced when the owner rotates
-- it), `view_id` (read-only, NULL when the owner disabled it). Only a
-- SHA-256 hash of the owner key is kept; rooms made before this have none.
ALTER TABLE rooms ADD COLUMN edit_id text;
ALTER TABLE rooms ADD COLUMN view_id text;
ALTER TABLE rooms ADD COLUMN owner_key_hash bytea;
ALTER TABLE rooms ADD COLUMN locked boolean NOT NULL DEFAULT false;
-- Days kept without activity; NULL follows DUET_ROOM_TTL_DAYS, 0 keeps for ever.
ALTER TABLE rooms ADD COLUMN keep_days integer;
ALTER TABLE rooms ADD COLUMN active_at timestamptz NOT NULL DEFAULT now();
UPDATE rooms SET edit_id = id;
ALTER TABLE rooms ALTER COLUMN edit_id SET NOT NULL;
CREATE UNIQUE INDEX rooms_edit_id ON rooms (edit_id);
CREATE UNIQUE INDEX rooms_view_id ON rooms (view_id);
CREATE INDEX rooms_active_at ON rooms (active_at);
