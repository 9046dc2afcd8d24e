-- The area and assignee of a deadline's case, carried on the deadline (set when its clock
-- starts, changed with the case by an assignment or a transfer), so that the caseload, the
-- overdue list and the KPI report read an area's deadlines from an index instead of joining
-- them to the area's cases (docs/benchmarks.md). SQLite cannot drop a column default: ''
-- stays, and every insert sets it.
ALTER TABLE deadlines ADD COLUMN region_code TEXT NOT NULL DEFAULT '';
ALTER TABLE deadlines ADD COLUMN district_code TEXT NOT NULL DEFAULT '';
ALTER TABLE deadlines ADD COLUMN assignee_id TEXT;
UPDATE deadlines
SET region_code = (SELECT cases.region_code FROM cases WHERE cases.id = deadlines.case_id),
    district_code = (SELECT cases.district_code FROM cases WHERE cases.id = deadlines.case_id),
    assignee_id = (SELECT cases.assignee_id FROM cases WHERE cases.id = deadlines.case_id);
-- An area's lapsed deadlines, oldest first: the caseload's counts and the overdue list.
CREATE INDEX deadlines_area_pending ON deadlines (region_code, due_at, district_code, assignee_id, case_id, kind)
    WHERE status = 'pending';
-- An area's deadlines started in a period, with what the KPI report reads.
CREATE INDEX deadlines_area_started ON deadlines (region_code, starts_at, district_code, kind, status, due_at, met_at);
