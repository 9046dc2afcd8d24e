-- The whole country's aggregates (`GET /reports/aggregates`, issue 21) read the report facts
-- over a period: the period's index range must also carry the area columns they group by, so
-- that the count is one index-only range scan, not a heap visit per signal. The columns are
-- appended to the time indexes, whose leading columns (and so the KPIs' plans) are unchanged.
DROP INDEX report_signals_time;
CREATE INDEX report_signals_time ON report_signals (received_at, source, status, triage_due_at, triaged_at, record_key, child_id, previous_received_at, region_code, district_code);
DROP INDEX report_signal_concerns_time;
CREATE INDEX report_signal_concerns_time ON report_signal_concerns (received_at, concern, record_key, region_code, district_code);
