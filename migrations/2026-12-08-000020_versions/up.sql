-- Concurrent edits detected on every mutable resource (issue 20, defect 3): `ETag` on reads,
-- `If-Match` on writes, as `cases.version` already does for `PATCH /cases/{id}`.
--
-- The plan's `version` numbers its versions (1, 2, … shown to people); `revision` counts every
-- change of the case's plan: a new version, a decision, a measure done. The plan's ETag is the
-- highest `revision` of its rows; each change gives the row it touches the next one. Existing
-- plans start from their version numbers, which already increase.
ALTER TABLE plans ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
UPDATE plans SET revision = version;
-- A placement changes once (it ends) today; its version counts every change from now on.
ALTER TABLE placements ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
