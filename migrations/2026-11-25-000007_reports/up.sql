-- Supervision and reporting: training records (seed indicator 2) and the indexes that keep
-- caseloads, overdue work and indicators off full-table scans (docs/reporting.md).

-- Child-rights training courses completed by staff, as recorded by an administrator or the
-- region's supervisor.
CREATE TABLE trainings (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    course TEXT NOT NULL,
    completed_on DATE NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX trainings_user ON trainings (user_id, completed_on);

-- Indicators select a period of an area.
CREATE INDEX signals_region_received ON signals (region_code, received_at);
CREATE INDEX signals_district_received ON signals (district_code, received_at);
CREATE INDEX cases_region_opened ON cases (region_code, opened_at);
CREATE INDEX cases_district_opened ON cases (district_code, opened_at);
CREATE INDEX cases_region_closed ON cases (region_code, closed_at);
CREATE INDEX deadlines_started ON deadlines (starts_at);
CREATE INDEX referrals_created ON referrals (created_at);
-- Repeat signals look up each child's signals of the past year: the child index gains the
-- date (replacing it, so the signal insert path carries no extra index).
DROP INDEX signals_child;
CREATE INDEX signals_child_received ON signals (child_id, received_at);
-- The untriaged queue of a region is small: a partial index keeps it cheap to count without
-- weighing on every signal insert.
CREATE INDEX signals_awaiting_triage ON signals (region_code, district_code) WHERE status = 'received';
