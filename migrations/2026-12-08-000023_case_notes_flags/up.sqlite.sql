-- The case file (issue 20): contact and supervision notes, and flags that mark a case for
-- special attention (seed items 23 and 37). Each leaves its event on the child's timeline,
-- whose kinds are widened here.
--
-- Code columns are checked inline, each constraint named `<table>_<column>_code` as in
-- 000015_code_checks.

-- A note on a case. `sensitive`: read only by those who may read sensitive text on the case.
CREATE TABLE case_notes (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL CONSTRAINT case_notes_kind_code CHECK (kind IN ('contact', 'supervision')),
    text TEXT NOT NULL,
    -- When the contact or supervision session took place, if recorded.
    occurred_at TIMESTAMP,
    sensitive BOOLEAN NOT NULL,
    author_id TEXT NOT NULL REFERENCES users (id),
    written_at TIMESTAMP NOT NULL
);
CREATE INDEX case_notes_case ON case_notes (case_id, id);

-- A flag on a case. Cleared flags stay, with who cleared them and why; a case holds at most
-- one active flag of a kind (the partial unique index decides a race).
CREATE TABLE case_flags (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL CONSTRAINT case_flags_kind_code CHECK (kind IN ('watch', 'court_pending', 'media_attention', 'special_supervision')),
    reason TEXT NOT NULL,
    -- The hearing for `court_pending`, else until when.
    date DATE,
    set_by TEXT NOT NULL REFERENCES users (id),
    set_at TIMESTAMP NOT NULL,
    cleared_at TIMESTAMP,
    cleared_by TEXT REFERENCES users (id),
    clear_reason TEXT
);
CREATE INDEX case_flags_case ON case_flags (case_id, id);
CREATE UNIQUE INDEX case_flags_active ON case_flags (case_id, kind) WHERE cleared_at IS NULL;
-- `GET /cases?flag=` and the caseload's counts per flag.
CREATE INDEX case_flags_kind_active ON case_flags (kind, case_id) WHERE cleared_at IS NULL;

-- The timeline's new kinds: a note, a flag set, a flag cleared (SQLite checks codes by
-- triggers, migration 000015).
DROP TRIGGER timeline_events_kind_code_insert;
DROP TRIGGER timeline_events_kind_code_update;
CREATE TRIGGER timeline_events_kind_code_insert BEFORE INSERT ON timeline_events
WHEN NEW.kind NOT IN ('signal', 'signal_updated', 'signal_report', 'triage', 'case_opened', 'merge', 'unmerge', 'assigned', 'risk_revised', 'concerns_changed', 'status_changed', 'closure_requested', 'closure_returned', 'closed', 'reopened', 'assessment', 'plan_version', 'plan_approved', 'plan_rejected', 'measure_done', 'intervention', 'referral', 'referral_accepted', 'referral_declined', 'referral_completed', 'referral_withdrawn', 'transfer_requested', 'transfer_accepted', 'transfer_declined', 'relation', 'consent', 'consent_withdrawn', 'commission_referral', 'commission_decision', 'commission_measure_done', 'placement', 'placement_ended', 'interview', 'deadline_met', 'deadline_reminder', 'escalation', 'routing_gap', 'plan_reviewed', 'routing_gap_resolved', 'follow_up', 'note', 'flag_set', 'flag_cleared')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: timeline_events_kind_code'); END;
CREATE TRIGGER timeline_events_kind_code_update BEFORE UPDATE OF kind ON timeline_events
WHEN NEW.kind NOT IN ('signal', 'signal_updated', 'signal_report', 'triage', 'case_opened', 'merge', 'unmerge', 'assigned', 'risk_revised', 'concerns_changed', 'status_changed', 'closure_requested', 'closure_returned', 'closed', 'reopened', 'assessment', 'plan_version', 'plan_approved', 'plan_rejected', 'measure_done', 'intervention', 'referral', 'referral_accepted', 'referral_declined', 'referral_completed', 'referral_withdrawn', 'transfer_requested', 'transfer_accepted', 'transfer_declined', 'relation', 'consent', 'consent_withdrawn', 'commission_referral', 'commission_decision', 'commission_measure_done', 'placement', 'placement_ended', 'interview', 'deadline_met', 'deadline_reminder', 'escalation', 'routing_gap', 'plan_reviewed', 'routing_gap_resolved', 'follow_up', 'note', 'flag_set', 'flag_cleared')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: timeline_events_kind_code'); END;
