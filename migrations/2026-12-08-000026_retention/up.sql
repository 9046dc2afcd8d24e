-- Retention (issue 20, item 7): `qorgau retention run` anonymises a child whose last case was
-- closed longer ago than `retention.closed_case_years` (docs/configuration.md). The child's row
-- and the rows about it stay, stripped of what identifies the child; `anonymised_at` says when,
-- so that each child is anonymised once and read as anonymised by the API.
ALTER TABLE children ADD COLUMN anonymised_at TIMESTAMP;
