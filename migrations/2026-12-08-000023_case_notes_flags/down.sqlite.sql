DELETE FROM timeline_events WHERE kind IN ('note', 'flag_set', 'flag_cleared');
DROP TABLE case_flags;
DROP TABLE case_notes;
DROP TRIGGER timeline_events_kind_code_insert;
DROP TRIGGER timeline_events_kind_code_update;
CREATE TRIGGER timeline_events_kind_code_insert BEFORE INSERT ON timeline_events
WHEN NEW.kind NOT IN ('signal', 'signal_updated', 'signal_report', 'triage', 'case_opened', 'merge', 'unmerge', 'assigned', 'risk_revised', 'concerns_changed', 'status_changed', 'closure_requested', 'closure_returned', 'closed', 'reopened', 'assessment', 'plan_version', 'plan_approved', 'plan_rejected', 'measure_done', 'intervention', 'referral', 'referral_accepted', 'referral_declined', 'referral_completed', 'referral_withdrawn', 'transfer_requested', 'transfer_accepted', 'transfer_declined', 'relation', 'consent', 'consent_withdrawn', 'commission_referral', 'commission_decision', 'commission_measure_done', 'placement', 'placement_ended', 'interview', 'deadline_met', 'deadline_reminder', 'escalation', 'routing_gap', 'plan_reviewed', 'routing_gap_resolved', 'follow_up')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: timeline_events_kind_code'); END;
CREATE TRIGGER timeline_events_kind_code_update BEFORE UPDATE OF kind ON timeline_events
WHEN NEW.kind NOT IN ('signal', 'signal_updated', 'signal_report', 'triage', 'case_opened', 'merge', 'unmerge', 'assigned', 'risk_revised', 'concerns_changed', 'status_changed', 'closure_requested', 'closure_returned', 'closed', 'reopened', 'assessment', 'plan_version', 'plan_approved', 'plan_rejected', 'measure_done', 'intervention', 'referral', 'referral_accepted', 'referral_declined', 'referral_completed', 'referral_withdrawn', 'transfer_requested', 'transfer_accepted', 'transfer_declined', 'relation', 'consent', 'consent_withdrawn', 'commission_referral', 'commission_decision', 'commission_measure_done', 'placement', 'placement_ended', 'interview', 'deadline_met', 'deadline_reminder', 'escalation', 'routing_gap', 'plan_reviewed', 'routing_gap_resolved', 'follow_up')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: timeline_events_kind_code'); END;
