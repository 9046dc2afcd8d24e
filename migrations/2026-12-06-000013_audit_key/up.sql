-- The audit chain is keyed (issue 17, finding 10): entries are hashed with HMAC-SHA256 under a
-- key the database does not hold, over every column, from position keyed_from on. Entries
-- sealed before this migration keep their unkeyed SHA-256 and are covered by the first keyed
-- entry, whose hash includes theirs. The sealer signs the head with the key: mac over (seq,
-- hash, sealed_at); both stay NULL until the first entry is sealed with the key.
ALTER TABLE audit_head ADD COLUMN keyed_from BIGINT NOT NULL DEFAULT 1;
ALTER TABLE audit_head ADD COLUMN sealed_at TIMESTAMP;
ALTER TABLE audit_head ADD COLUMN mac TEXT;
UPDATE audit_head SET keyed_from = seq + 1;
