-- Qorgau among other systems (issue 23): a durable, ordered feed of domain events
-- (`GET /api/v1/events`) and webhook subscriptions delivering it (docs/integration.md).
--
-- An event is written by the application layer in the transaction of the change it reports
-- (`qorgau_app::events::emit`), with `seq` NULL. Just before that transaction commits, the
-- persistence layer's `write` numbers its events from the one-row counter `event_sequence`:
-- the counter's row lock is held from then until the commit, so numbers are handed out in
-- commit order on PostgreSQL too, and a reader who has seen `seq` n will never later see a
-- smaller one appear (the feed's cursor is `seq`). See docs/integration.md § Ordering.
CREATE TABLE domain_events (
    id TEXT PRIMARY KEY,
    seq BIGINT UNIQUE,
    event_type TEXT NOT NULL CONSTRAINT domain_events_event_type_code CHECK (event_type IN ('signal.received', 'signal.triaged', 'signal.screened_out', 'case.opened', 'case.assigned', 'case.transferred', 'case.closed', 'case.reopened', 'referral.sent', 'referral.accepted', 'referral.declined', 'referral.completed', 'referral.withdrawn', 'commission.decision', 'deadline.escalated')),
    at TIMESTAMP NOT NULL,
    region_code TEXT NOT NULL,
    district_code TEXT,
    signal_id TEXT,
    case_id TEXT,
    -- Never shown: what the feed's read is audited against (the child's access log).
    child_id TEXT,
    -- The record acted on: referral, transfer, commission matter, deadline.
    ref_id TEXT,
    -- Who filed the signal (an integration account follows its own signals' statuses).
    filed_by TEXT,
    -- The source's own reference of the signal (e.g. the 111 centre's ticket number).
    external_ref TEXT,
    -- A small JSON object of codes and ids: never a name or free text.
    payload TEXT NOT NULL
);
CREATE INDEX domain_events_at ON domain_events (at);
CREATE INDEX domain_events_unsequenced ON domain_events (id) WHERE seq IS NULL;

CREATE TABLE event_sequence (
    -- One row, id 1.
    id INTEGER PRIMARY KEY,
    last BIGINT NOT NULL
);
INSERT INTO event_sequence (id, last) VALUES (1, 0);

-- A subscription: the events of `event_types` that `account_id` (or a supervisor of
-- `region_code`) may see, POSTed to `url` signed with `secret`.
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    -- Comma-separated event type codes.
    event_types TEXT NOT NULL,
    account_id TEXT REFERENCES users (id),
    region_code TEXT,
    secret TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    -- The last event (`domain_events.seq`) turned into deliveries: advanced by a conditional
    -- update, which is the claim that makes two workers fan an event out once.
    cursor_seq BIGINT NOT NULL,
    consecutive_failures INTEGER NOT NULL,
    -- Exactly one of account_id and region_code is set (checked by `qorgau_app::webhooks`).
    paused_at TIMESTAMP
);

CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    webhook_id TEXT NOT NULL REFERENCES webhooks (id),
    event_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP,
    last_status INTEGER,
    last_error TEXT,
    CONSTRAINT webhook_deliveries_once UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE delivered_at IS NULL;
CREATE INDEX webhook_deliveries_list ON webhook_deliveries (webhook_id, seq);
