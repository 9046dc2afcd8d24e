-- Merges that can be undone (security finding 7 of issue 17). A merge now keeps what it was
-- decided on (whether the pair was flagged, the differences the supervisor confirmed) and
-- exactly what it moved (the duplicate's signals, cases and timeline events, and its IIN), so
-- that `POST /children/{id}/unmerge` can move them back. An undone merge is kept, marked
-- undone, by whom and why. Merges made before this migration recorded no moves
-- (`moves_recorded` false) and cannot be undone automatically.
ALTER TABLE child_merges ADD COLUMN moved_iin TEXT;
ALTER TABLE child_merges ADD COLUMN flagged_at TIMESTAMP;
ALTER TABLE child_merges ADD COLUMN confirmed_differences TEXT;
ALTER TABLE child_merges ADD COLUMN moves_recorded BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE child_merges ADD COLUMN undone_at TIMESTAMP;
ALTER TABLE child_merges ADD COLUMN undone_by TEXT REFERENCES users (id);
ALTER TABLE child_merges ADD COLUMN undo_reason TEXT;
-- The merges into a child, newest first: the one an unmerge undoes by default.
CREATE INDEX child_merges_child ON child_merges (child_id, merged_at);
-- One row per record a merge moved: `kind` is `signal`, `case` or `timeline_event`.
CREATE TABLE child_merge_moves (
    merge_id TEXT NOT NULL REFERENCES child_merges (id),
    kind TEXT NOT NULL,
    row_id TEXT NOT NULL,
    PRIMARY KEY (merge_id, kind, row_id)
);
