-- A report sent again with a triaged signal's source and external reference: kept beside the
-- signal instead of rewriting what triage decided on (issue 17, finding 1).
CREATE TABLE signal_reports (
    id TEXT PRIMARY KEY,
    signal_id TEXT NOT NULL REFERENCES signals (id),
    received_at TIMESTAMP NOT NULL,
    filed_by TEXT NOT NULL REFERENCES users (id),
    -- The concern codes, comma-separated, as the report named them.
    concerns TEXT NOT NULL,
    urgency TEXT,
    description TEXT NOT NULL,
    observed_at TIMESTAMP,
    -- The child as this report described them (JSON).
    child_facts TEXT NOT NULL,
    reporter_name TEXT,
    reporter_phone TEXT,
    reporter_relation TEXT,
    reporter_anonymous BOOLEAN NOT NULL
);
CREATE INDEX signal_reports_signal ON signal_reports (signal_id, id);
