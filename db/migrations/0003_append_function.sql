-- Appending to the update log is the hottest statement: one call per group
-- commit. As a PL/pgSQL function its plan is prepared once per connection
-- instead of parsed and planned on every commit, and the updates travel as one
-- bytea with offsets and lengths rather than one parameter each.
--
-- Rooms are locked in id order (two processes appending to the same rooms wait
-- instead of deadlocking), each room's updates are numbered after its last_seq
-- in arrival order, and with a channel a NOTIFY per room carries
-- "roomId:lastSeq:sentAtMs" (delivered only once the rows are committed).
CREATE FUNCTION duet_append_updates(
  room_ids text[],
  updates bytea,
  offsets integer[],
  lengths integer[],
  channel text,
  sent_at text
) RETURNS TABLE (room_id text, first_seq bigint, last_seq bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  appended record;
BEGIN
  FOR appended IN
    WITH input AS (
      SELECT i.room_id, substring(updates FROM i.offset_ + 1 FOR i.length_) AS update, i.ord
      FROM unnest(room_ids, offsets, lengths) WITH ORDINALITY AS i(room_id, offset_, length_, ord)
    ),
    locked AS (
      SELECT r.id, r.last_seq FROM rooms r
      WHERE r.id IN (SELECT room_id FROM input) ORDER BY r.id FOR UPDATE
    ),
    numbered AS (
      SELECT i.room_id, i.update,
        l.last_seq + row_number() OVER (PARTITION BY i.room_id ORDER BY i.ord) AS seq
      FROM input i JOIN locked l ON l.id = i.room_id
    ),
    inserted AS (
      INSERT INTO room_updates (room_id, seq, update)
      SELECT room_id, seq, update FROM numbered RETURNING room_id, seq
    ),
    bumped AS (
      UPDATE rooms SET last_seq = m.seq
      FROM (SELECT room_id, max(seq) AS seq FROM numbered GROUP BY room_id) AS m
      WHERE rooms.id = m.room_id RETURNING rooms.id
    )
    SELECT room_id AS id, min(seq) AS first_seq, max(seq) AS last_seq
    FROM inserted GROUP BY room_id
  LOOP
    IF channel IS NOT NULL THEN
      PERFORM pg_notify(channel, appended.id || ':' || appended.last_seq || ':' || sent_at);
    END IF;
    room_id := appended.id;
    first_seq := appended.first_seq;
    last_seq := appended.last_seq;
    RETURN NEXT;
  END LOOP;
END
$$;

-- Only duet_append_updates inserts log rows, and only for rooms it has just
-- locked, so the foreign key's per-row check bought nothing but time. Rooms
-- are never deleted.
ALTER TABLE room_updates DROP CONSTRAINT room_updates_room_id_fkey;
