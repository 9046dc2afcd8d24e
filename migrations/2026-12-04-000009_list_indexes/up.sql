-- Indexes for the lists and the caseload at national scale (docs/benchmarks.md).
-- A case manager's open cases in id order: GET /cases?open=true reads the first page straight
-- from the index instead of intersecting all of their cases with every open case.
CREATE INDEX cases_assignee_open ON cases (assignee_id, id) WHERE status <> 'closed';
-- The caseload's counts of an area's open cases (index-only on PostgreSQL).
CREATE INDEX cases_region_open ON cases (region_code, district_code, assignee_id, status, risk_level) WHERE status <> 'closed';
-- An area's cases in id order with what the caseload groups by: merge-joined with the pending
-- deadlines below, both read from the index alone.
CREATE INDEX cases_region_members ON cases (region_code, id, assignee_id, district_code, status);
-- Pending deadlines by case: the caseload's lapsed deadlines and cases without contact.
CREATE INDEX deadlines_pending ON deadlines (case_id, due_at, kind) WHERE status = 'pending';
-- Signals by the case they opened: the KPI report's time from signal to case (was a sequential
-- scan of every signal).
CREATE INDEX signals_case ON signals (case_id) WHERE case_id IS NOT NULL;
