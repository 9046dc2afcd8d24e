-- Entries sealed with the key will no longer verify with the old binary.
ALTER TABLE audit_head DROP COLUMN mac;
ALTER TABLE audit_head DROP COLUMN sealed_at;
ALTER TABLE audit_head DROP COLUMN keyed_from;
