DROP INDEX report_signals_time;
CREATE INDEX report_signals_time ON report_signals (received_at, source, status, triage_due_at, triaged_at, record_key, child_id, previous_received_at);
DROP INDEX report_signal_concerns_time;
CREATE INDEX report_signal_concerns_time ON report_signal_concerns (received_at, concern, record_key);
