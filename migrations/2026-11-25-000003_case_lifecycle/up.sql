-- The case lifecycle: assessments, the individual plan (versioned), interventions.

CREATE TABLE assessments (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    summary TEXT NOT NULL,
    risk_level TEXT,
    -- The seven domains' levels and notes (JSON): read with the assessment, never filtered on.
    domains TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX assessments_case ON assessments (case_id, kind);

-- Each revision of the individual plan is a new version; approved versions are kept.
CREATE TABLE plans (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    version INTEGER NOT NULL,
    -- draft, approved, rejected, superseded
    status TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    decided_by TEXT REFERENCES users (id),
    decided_at TIMESTAMP,
    decision_note TEXT,
    UNIQUE (case_id, version)
);

CREATE TABLE plan_goals (
    id TEXT PRIMARY KEY,
    plan_id TEXT NOT NULL REFERENCES plans (id),
    position INTEGER NOT NULL,
    title TEXT NOT NULL
);
CREATE INDEX plan_goals_plan ON plan_goals (plan_id, position);

CREATE TABLE plan_measures (
    id TEXT PRIMARY KEY,
    plan_id TEXT NOT NULL REFERENCES plans (id),
    goal_id TEXT NOT NULL REFERENCES plan_goals (id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    responsible_organisation_id TEXT NOT NULL REFERENCES organisations (id),
    due_date DATE NOT NULL,
    done_at TIMESTAMP,
    done_by TEXT REFERENCES users (id)
);
CREATE INDEX plan_measures_plan ON plan_measures (plan_id, position);

CREATE TABLE interventions (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    assistance_type TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    summary TEXT NOT NULL,
    child_seen BOOLEAN NOT NULL,
    duration_minutes INTEGER,
    plan_measure_id TEXT REFERENCES plan_measures (id),
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX interventions_case ON interventions (case_id, occurred_at);

CREATE INDEX cases_child ON cases (child_id);
