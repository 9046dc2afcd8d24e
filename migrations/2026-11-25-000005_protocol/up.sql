-- The protocol at work: deadlines on cases, routing gaps, mail outbox; referrals gain their
-- kind (referral or notification) and whether the protocol made them mandatory.

CREATE TABLE deadlines (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    -- The referral a referral_response deadline belongs to.
    ref_id TEXT,
    starts_at TIMESTAMP NOT NULL,
    due_at TIMESTAMP NOT NULL,
    -- pending, met, cancelled (overdue = pending and past due, computed when read)
    status TEXT NOT NULL,
    met_at TIMESTAMP,
    reminded_at TIMESTAMP,
    escalated_at TIMESTAMP
);
CREATE INDEX deadlines_case ON deadlines (case_id, kind);
CREATE INDEX deadlines_status_due ON deadlines (status, due_at);

-- Mail to send, written in the transaction of the event it reports; delivered with retries.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox (sent_at, next_attempt_at);

-- A mandatory referral or notification the protocol asked for, with no such organisation in
-- the child's district or region: shown to the supervisor.
CREATE TABLE routing_gaps (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    action TEXT NOT NULL,
    organisation_kind TEXT NOT NULL,
    concerns TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX routing_gaps_case ON routing_gaps (case_id);

ALTER TABLE referrals ADD COLUMN kind TEXT NOT NULL DEFAULT 'referral';
ALTER TABLE referrals ADD COLUMN mandatory BOOLEAN NOT NULL DEFAULT FALSE;
