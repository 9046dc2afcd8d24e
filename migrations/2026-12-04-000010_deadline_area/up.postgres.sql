-- The area and assignee of a deadline's case, carried on the deadline (set when its clock
-- starts, changed with the case by an assignment or a transfer), so that the caseload, the
-- overdue list and the KPI report read an area's deadlines from an index instead of joining
-- every pending deadline of the country to the area's cases (docs/benchmarks.md).
ALTER TABLE deadlines
    ADD COLUMN region_code TEXT NOT NULL DEFAULT '',
    ADD COLUMN district_code TEXT NOT NULL DEFAULT '',
    ADD COLUMN assignee_id TEXT;
UPDATE deadlines
SET region_code = cases.region_code, district_code = cases.district_code,
    assignee_id = cases.assignee_id
FROM cases
WHERE cases.id = deadlines.case_id;
ALTER TABLE deadlines
    ALTER COLUMN region_code DROP DEFAULT,
    ALTER COLUMN district_code DROP DEFAULT;
-- An area's lapsed deadlines, oldest first: the caseload's counts (index-only) and the overdue
-- list.
CREATE INDEX deadlines_area_pending ON deadlines (region_code, due_at, district_code, assignee_id, case_id, kind)
    WHERE status = 'pending';
-- An area's deadlines started in a period, with what the KPI report reads (index-only).
CREATE INDEX deadlines_area_started ON deadlines (region_code, starts_at, district_code, kind, status, due_at, met_at);
