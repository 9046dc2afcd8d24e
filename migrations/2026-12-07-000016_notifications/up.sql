-- Work reaches the right person (issue 19): an inbox of notifications written in the
-- transaction of the event that causes them, each user's email preference, the daily digest's
-- once-per-day claim, a real triage clock on signals, follow-up contacts after closure, plan
-- reviews without a new version, routing gaps that a supervisor resolves, and mail that stops
-- being retried when it cannot be delivered.

-- One notification to one user. It names its event (`kind`) and the case or signal it is about
-- by number and link, never a concern, a description or a name: the text is composed from
-- these when read (docs/notifications.md).
CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    recipient_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CONSTRAINT notifications_kind_code CHECK (kind IN ('referral_received', 'referral_accepted', 'referral_declined', 'referral_completed', 'referral_withdrawn', 'transfer_requested', 'transfer_accepted', 'transfer_declined', 'plan_submitted', 'plan_approved', 'plan_returned', 'closure_requested', 'closure_approved', 'closure_returned', 'case_assigned', 'deadline_reminder', 'deadline_escalation', 'triage_reminder', 'triage_escalation', 'protocol_notification', 'break_glass', 'routing_gap', 'follow_up_concerns')),
    case_id TEXT REFERENCES cases (id),
    signal_id TEXT REFERENCES signals (id),
    -- The record acted on: the referral, transfer, plan, deadline, break-glass grant, gap…
    ref_id TEXT,
    -- The case number, or the signal's id for a signal not yet on a case.
    subject TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP,
    -- How it is mailed: queued at once, waiting for the recipient's daily digest, or not.
    mail TEXT NOT NULL CONSTRAINT notifications_mail_code CHECK (mail IN ('immediate', 'digest', 'off')),
    digested_at TIMESTAMP
);
CREATE INDEX notifications_inbox ON notifications (recipient_id, id);
CREATE INDEX notifications_unread ON notifications (recipient_id, id) WHERE read_at IS NULL;
CREATE INDEX notifications_digest ON notifications (recipient_id, id) WHERE mail = 'digest' AND digested_at IS NULL;

-- A user's choice of email; no row means the default (immediate for reminders, escalations and
-- the protocol's notifications, a daily digest for the rest).
CREATE TABLE user_preferences (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    email TEXT NOT NULL CONSTRAINT user_preferences_email_code CHECK (email IN ('immediate', 'daily_digest', 'off')),
    updated_at TIMESTAMP NOT NULL
);

-- One digest per user per local working day: the primary key is the claim that makes it one
-- with several workers.
CREATE TABLE digests (
    user_id TEXT NOT NULL REFERENCES users (id),
    day TEXT NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, day)
);

-- The triage clock of a signal, reminded and escalated once each like a case's deadlines.
ALTER TABLE signals ADD COLUMN triage_reminded_at TIMESTAMP;
ALTER TABLE signals ADD COLUMN triage_escalated_at TIMESTAMP;
CREATE INDEX signals_triage_clock ON signals (triage_due_at) WHERE status = 'received';

-- Mail that cannot be delivered (a permanent SMTP refusal, or too many attempts) is kept,
-- marked failed, and no longer retried.
ALTER TABLE outbox ADD COLUMN failed_at TIMESTAMP;

-- A contact with the child after closure: meets the follow-up deadline.
CREATE TABLE follow_ups (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    occurred_at TIMESTAMP NOT NULL,
    child_seen BOOLEAN NOT NULL,
    outcome TEXT NOT NULL CONSTRAINT follow_ups_outcome_code CHECK (outcome IN ('stable', 'concerns')),
    note TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX follow_ups_case ON follow_ups (case_id, id);

-- A plan reviewed and kept as it is: meets the review deadline and restarts its clock.
CREATE TABLE plan_reviews (
    id TEXT PRIMARY KEY,
    plan_id TEXT NOT NULL REFERENCES plans (id),
    case_id TEXT NOT NULL REFERENCES cases (id),
    decision TEXT NOT NULL CONSTRAINT plan_reviews_decision_code CHECK (decision IN ('unchanged')),
    note TEXT NOT NULL,
    reviewed_by TEXT NOT NULL REFERENCES users (id),
    reviewed_at TIMESTAMP NOT NULL
);
CREATE INDEX plan_reviews_case ON plan_reviews (case_id, id);

-- A routing gap stays on the supervisor's list until she records how the duty was met.
ALTER TABLE routing_gaps ADD COLUMN resolved_at TIMESTAMP;
-- Like the audit log's user ids, not a foreign key: SQLite cannot drop a referencing column.
ALTER TABLE routing_gaps ADD COLUMN resolved_by TEXT;
ALTER TABLE routing_gaps ADD COLUMN resolution TEXT;
