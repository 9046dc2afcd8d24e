-- The audit log (brief § 5): every read and write of a child's personal data. Append-only:
-- rows are inserted unsealed (seq, prev_hash, hash NULL) in the transaction of the access and
-- sealed into the hash chain afterwards, in one order, by one sealer at a time.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    user_id TEXT,
    action TEXT NOT NULL,
    resource TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    child_id TEXT,
    -- The region of the record, for a supervisor's view of their region's log.
    region_code TEXT,
    ip TEXT,
    request_id TEXT,
    break_glass BOOLEAN NOT NULL,
    seq BIGINT UNIQUE,
    prev_hash TEXT,
    hash TEXT
);
CREATE INDEX audit_log_child ON audit_log (child_id, at);
CREATE INDEX audit_log_user ON audit_log (user_id, at);
CREATE INDEX audit_log_region ON audit_log (region_code, at);
-- Unsealed rows, found by the sealer without scanning the log.
CREATE INDEX audit_log_unsealed ON audit_log (id) WHERE seq IS NULL;

-- The last sealed position and its hash: deleting entries at the end of the chain is detected
-- against it.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Break-glass access (brief § 5): a supervisor opens a case outside their scope, with a reason,
-- until expires_at; listed for review in the case's region.
CREATE TABLE break_glass (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    granted_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    region_code TEXT NOT NULL
);
CREATE INDEX break_glass_user_case ON break_glass (user_id, case_id, expires_at);
CREATE INDEX break_glass_region ON break_glass (region_code, granted_at);
