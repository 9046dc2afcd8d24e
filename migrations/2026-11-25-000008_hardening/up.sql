-- Login attempts counted towards the lockout (docs/security.md § Login). A row is written
-- before the password is checked and removed by a successful login, so what remains are the
-- failures. Kept in the database, not in memory, so the lockout holds across instances.
CREATE TABLE login_failures (
    id TEXT PRIMARY KEY,
    -- SHA-256 of the lowercased username as typed: unknown names are counted too, and what
    -- people type into the username field stays out of the table.
    account_key TEXT NOT NULL,
    attempted_at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_account ON login_failures (account_key, attempted_at);
CREATE INDEX login_failures_attempted ON login_failures (attempted_at);
