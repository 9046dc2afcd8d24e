DROP TABLE child_merge_moves;
DROP INDEX child_merges_child;
ALTER TABLE child_merges DROP COLUMN undo_reason;
ALTER TABLE child_merges DROP COLUMN undone_by;
ALTER TABLE child_merges DROP COLUMN undone_at;
ALTER TABLE child_merges DROP COLUMN moves_recorded;
ALTER TABLE child_merges DROP COLUMN confirmed_differences;
ALTER TABLE child_merges DROP COLUMN flagged_at;
ALTER TABLE child_merges DROP COLUMN moved_iin;
