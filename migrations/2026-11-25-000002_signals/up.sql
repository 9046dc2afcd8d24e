-- Signals, the child registry, triage, cases (opened by triage), the timeline, idempotency.

CREATE TABLE children (
    id TEXT PRIMARY KEY,
    -- NULL for children without an IIN (e.g. migrant children, seed l. 736); unique otherwise.
    iin TEXT UNIQUE,
    last_name TEXT,
    first_name TEXT,
    middle_name TEXT,
    -- Spelling-tolerant keys (Cyrillic/Latin transliterations folded), for matching and search.
    last_name_key TEXT,
    first_name_key TEXT,
    birth_date DATE,
    sex TEXT,
    address TEXT,
    region_code TEXT NOT NULL REFERENCES regions (code),
    district_code TEXT NOT NULL REFERENCES districts (code),
    -- Set when a supervisor merged this record into another; the record is kept for history.
    merged_into TEXT REFERENCES children (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX children_birth_date ON children (birth_date);
CREATE INDEX children_first_name_key ON children (first_name_key);
CREATE INDEX children_last_name_key ON children (last_name_key);
CREATE INDEX children_region_district ON children (region_code, district_code);

-- Probable duplicates found at registration, awaiting a person's decision.
CREATE TABLE possible_duplicates (
    child_id TEXT NOT NULL REFERENCES children (id),
    other_id TEXT NOT NULL REFERENCES children (id),
    detected_at TIMESTAMP NOT NULL,
    PRIMARY KEY (child_id, other_id)
);
CREATE INDEX possible_duplicates_other ON possible_duplicates (other_id);

CREATE TABLE child_merges (
    id TEXT PRIMARY KEY,
    child_id TEXT NOT NULL REFERENCES children (id),
    duplicate_id TEXT NOT NULL REFERENCES children (id),
    reason TEXT NOT NULL,
    merged_by TEXT NOT NULL REFERENCES users (id),
    merged_at TIMESTAMP NOT NULL
);

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    child_id TEXT NOT NULL REFERENCES children (id),
    status TEXT NOT NULL,
    risk_level TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code),
    district_code TEXT NOT NULL REFERENCES districts (code),
    assignee_id TEXT REFERENCES users (id),
    opened_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP,
    closure_reason TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
-- One open case per child, enforced by the database as well as by the code.
CREATE UNIQUE INDEX cases_one_open_per_child ON cases (child_id) WHERE status <> 'closed';
CREATE INDEX cases_region_status ON cases (region_code, status);
CREATE INDEX cases_assignee_status ON cases (assignee_id, status);

CREATE TABLE case_concerns (
    case_id TEXT NOT NULL REFERENCES cases (id),
    concern TEXT NOT NULL,
    PRIMARY KEY (case_id, concern)
);

-- Per region and year, for human-readable case numbers (KZ-71-2026-000123).
CREATE TABLE case_number_counters (
    region_code TEXT NOT NULL REFERENCES regions (code),
    year INTEGER NOT NULL,
    last_value INTEGER NOT NULL,
    PRIMARY KEY (region_code, year)
);

CREATE TABLE signals (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    external_ref TEXT,
    urgency TEXT,
    description TEXT NOT NULL,
    observed_at TIMESTAMP,
    region_code TEXT NOT NULL REFERENCES regions (code),
    district_code TEXT NOT NULL REFERENCES districts (code),
    child_id TEXT REFERENCES children (id),
    -- The child as the reporter described them (JSON), kept even when matched to the registry.
    child_facts TEXT NOT NULL,
    reporter_name TEXT,
    reporter_phone TEXT,
    reporter_relation TEXT,
    reporter_anonymous BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    triage_due_at TIMESTAMP NOT NULL,
    filed_by TEXT NOT NULL REFERENCES users (id),
    triaged_at TIMESTAMP,
    triaged_by TEXT REFERENCES users (id),
    risk_level TEXT,
    screen_out_reason TEXT,
    case_id TEXT REFERENCES cases (id),
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (source, external_ref)
);
CREATE INDEX signals_district_status ON signals (district_code, status, id);
CREATE INDEX signals_filed_by ON signals (filed_by, id);
CREATE INDEX signals_child ON signals (child_id);

CREATE TABLE signal_concerns (
    signal_id TEXT NOT NULL REFERENCES signals (id),
    concern TEXT NOT NULL,
    PRIMARY KEY (signal_id, concern)
);

-- Everything that happened to a child, oldest first; written in the transaction of the change.
CREATE TABLE timeline_events (
    id TEXT PRIMARY KEY,
    child_id TEXT NOT NULL REFERENCES children (id),
    case_id TEXT REFERENCES cases (id),
    at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL,
    summary TEXT NOT NULL,
    actor_id TEXT REFERENCES users (id),
    ref_id TEXT
);
CREATE INDEX timeline_events_child_at ON timeline_events (child_id, at, id);

-- Stored responses for Idempotency-Key retries, per user.
CREATE TABLE idempotency_keys (
    user_id TEXT NOT NULL REFERENCES users (id),
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, idempotency_key)
);
