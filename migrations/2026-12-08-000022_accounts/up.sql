-- Staff accounts (issue 20): a version for edits under If-Match (PATCH /users/{id}), and the
-- forced change of a password an administrator reset (`must_change_password`: the user's tokens
-- may only change it until they do).
ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
