-- Interagency work: family relations, consent, referrals, transfers between regions,
-- commission matters (КТІҚҚК), placements, interviews of child victims and witnesses.

CREATE TABLE relations (
    id TEXT PRIMARY KEY,
    child_id TEXT NOT NULL REFERENCES children (id),
    full_name TEXT NOT NULL,
    relation TEXT NOT NULL,
    is_legal_representative BOOLEAN NOT NULL,
    alleged_perpetrator BOOLEAN NOT NULL,
    phone TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX relations_child ON relations (child_id);

CREATE TABLE consents (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    given_by_relation_id TEXT REFERENCES relations (id),
    given_by_name TEXT NOT NULL,
    relation TEXT NOT NULL,
    services BOOLEAN NOT NULL,
    -- Organisation kinds the consent covers sharing with, comma-separated (read, never filtered).
    share_with TEXT NOT NULL,
    given_at TIMESTAMP NOT NULL,
    withdrawn_at TIMESTAMP,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX consents_case ON consents (case_id);

CREATE TABLE referrals (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    to_organisation_id TEXT NOT NULL REFERENCES organisations (id),
    service TEXT NOT NULL,
    reason TEXT NOT NULL,
    urgency TEXT,
    -- pending, accepted, declined, completed, withdrawn
    status TEXT NOT NULL,
    respond_by TIMESTAMP NOT NULL,
    -- The legal basis for sharing the child's data: a consent, or an override basis.
    consent_id TEXT REFERENCES consents (id),
    override_basis TEXT,
    override_note TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    responded_at TIMESTAMP,
    responded_by TEXT REFERENCES users (id),
    decline_reason TEXT,
    completed_at TIMESTAMP,
    outcome TEXT,
    withdrawn_at TIMESTAMP
);
CREATE INDEX referrals_case ON referrals (case_id);
CREATE INDEX referrals_organisation_status ON referrals (to_organisation_id, status);

CREATE TABLE transfers (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    from_region TEXT NOT NULL REFERENCES regions (code),
    from_district TEXT NOT NULL REFERENCES districts (code),
    to_region TEXT NOT NULL REFERENCES regions (code),
    to_district TEXT NOT NULL REFERENCES districts (code),
    reason TEXT NOT NULL,
    -- pending, accepted, declined
    status TEXT NOT NULL,
    requested_by TEXT NOT NULL REFERENCES users (id),
    requested_at TIMESTAMP NOT NULL,
    decided_by TEXT REFERENCES users (id),
    decided_at TIMESTAMP,
    decline_reason TEXT
);
CREATE INDEX transfers_case ON transfers (case_id);
CREATE INDEX transfers_to_region_status ON transfers (to_region, status);

CREATE TABLE commission_matters (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    commission_organisation_id TEXT NOT NULL REFERENCES organisations (id),
    grounds TEXT NOT NULL,
    hearing_date DATE,
    decision TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP
);
CREATE INDEX commission_matters_case ON commission_matters (case_id);

CREATE TABLE commission_measures (
    id TEXT PRIMARY KEY,
    matter_id TEXT NOT NULL REFERENCES commission_matters (id),
    description TEXT NOT NULL,
    responsible_organisation_id TEXT NOT NULL REFERENCES organisations (id),
    due_date DATE NOT NULL,
    done_at TIMESTAMP,
    done_note TEXT,
    done_by TEXT REFERENCES users (id)
);
CREATE INDEX commission_measures_matter ON commission_measures (matter_id);
CREATE INDEX commission_measures_due ON commission_measures (due_date);

CREATE TABLE placements (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    organisation_id TEXT REFERENCES organisations (id),
    started_on DATE NOT NULL,
    ended_on DATE,
    end_reason TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX placements_case ON placements (case_id);

CREATE TABLE interviews (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    child_id TEXT NOT NULL REFERENCES children (id),
    conducted_at TIMESTAMP NOT NULL,
    interviewer_name TEXT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    -- Who was present (codes, comma-separated).
    present TEXT NOT NULL,
    recording_ref TEXT,
    repeat_reason TEXT,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX interviews_case ON interviews (case_id);
CREATE INDEX interviews_child ON interviews (child_id);
