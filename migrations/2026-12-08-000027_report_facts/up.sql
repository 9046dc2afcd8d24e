-- Report-ready facts (issue 21): what the indicators of docs/reporting.md count, one row per
-- signal, signal concern, case and referral, kept in the transaction of the event that changes
-- them (qorgau-app, through `qorgau_persistence::report_facts`), rebuilt from the source tables
-- by `qorgau reports rebuild` and compared with them by `qorgau reports verify`. Each row
-- carries its area and the times the indicators select on, so that an area's period is one
-- range of one index read without the source tables (docs/reporting.md § Report facts).
-- No free text and no names: ids, codes and times only.

-- A signal: its triage clock, and the latest earlier signal about the same child (anywhere),
-- from which a repeat signal is decided.
CREATE TABLE report_signals (
    signal_id TEXT PRIMARY KEY REFERENCES signals (id) ON DELETE CASCADE,
    -- `rounding::record_key` of the signal's id.
    record_key BIGINT NOT NULL,
    region_code TEXT NOT NULL,
    district_code TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    triage_due_at TIMESTAMP NOT NULL,
    triaged_at TIMESTAMP,
    child_id TEXT,
    previous_received_at TIMESTAMP
);
CREATE INDEX report_signals_area ON report_signals (region_code, received_at, district_code, source, status, triage_due_at, triaged_at, record_key, child_id, previous_received_at);
CREATE INDEX report_signals_time ON report_signals (received_at, source, status, triage_due_at, triaged_at, record_key, child_id, previous_received_at);
-- Repeat flags follow the child's signals.
CREATE INDEX report_signals_child ON report_signals (child_id);

-- A signal's concern (a signal counts once under each).
CREATE TABLE report_signal_concerns (
    signal_id TEXT NOT NULL REFERENCES signals (id) ON DELETE CASCADE,
    concern TEXT NOT NULL,
    record_key BIGINT NOT NULL,
    region_code TEXT NOT NULL,
    district_code TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    PRIMARY KEY (signal_id, concern)
);
CREATE INDEX report_signal_concerns_area ON report_signal_concerns (region_code, received_at, district_code, concern, record_key);
CREATE INDEX report_signal_concerns_time ON report_signal_concerns (received_at, concern, record_key);

-- A case and its milestones: opened, the signal that opened it received, the child first seen,
-- the first approval of a plan still approved, closed (and why).
CREATE TABLE report_cases (
    case_id TEXT PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
    record_key BIGINT NOT NULL,
    region_code TEXT NOT NULL,
    district_code TEXT NOT NULL,
    child_id TEXT NOT NULL,
    child_key BIGINT NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    signal_received_at TIMESTAMP,
    first_seen_at TIMESTAMP,
    first_approved_at TIMESTAMP,
    closed_at TIMESTAMP,
    closure_reason TEXT
);
CREATE INDEX report_cases_opened ON report_cases (region_code, opened_at, district_code, record_key, signal_received_at, first_seen_at, first_approved_at);
CREATE INDEX report_cases_closed ON report_cases (region_code, closed_at, district_code, closure_reason, record_key);
CREATE INDEX report_cases_approved ON report_cases (region_code, first_approved_at, district_code, closed_at, child_id, child_key);
CREATE INDEX report_cases_opened_time ON report_cases (opened_at);
CREATE INDEX report_cases_closed_time ON report_cases (closed_at);
CREATE INDEX report_cases_approved_time ON report_cases (first_approved_at);

-- A referral or notification, placed by its case, with the kind of organisation it went to.
CREATE TABLE report_referrals (
    referral_id TEXT PRIMARY KEY REFERENCES referrals (id) ON DELETE CASCADE,
    record_key BIGINT NOT NULL,
    case_id TEXT NOT NULL,
    region_code TEXT NOT NULL,
    district_code TEXT NOT NULL,
    child_id TEXT NOT NULL,
    child_key BIGINT NOT NULL,
    kind TEXT NOT NULL,
    organisation_kind TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    responded_at TIMESTAMP,
    completed_at TIMESTAMP,
    withdrawn_at TIMESTAMP
);
CREATE INDEX report_referrals_sent ON report_referrals (region_code, created_at, district_code, kind, organisation_kind, status, responded_at, record_key);
CREATE INDEX report_referrals_sent_time ON report_referrals (created_at);
CREATE INDEX report_referrals_answered ON report_referrals (organisation_kind, region_code, responded_at, district_code, status, completed_at, withdrawn_at, child_id, child_key);
CREATE INDEX report_referrals_case ON report_referrals (case_id);

-- Deadlines carry their case's area and start already (000010): they are their own facts. The
-- id joins the index the indicators read them from, for the record keys, so that an area's
-- deadlines of a period are counted from the index alone.
DROP INDEX deadlines_area_started;
CREATE INDEX deadlines_area_started ON deadlines (region_code, starts_at, district_code, kind, status, due_at, met_at, id);
