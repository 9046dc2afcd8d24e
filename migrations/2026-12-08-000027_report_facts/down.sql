DROP INDEX deadlines_area_started;
CREATE INDEX deadlines_area_started ON deadlines (region_code, starts_at, district_code, kind, status, due_at, met_at);
DROP TABLE report_referrals;
DROP TABLE report_cases;
DROP TABLE report_signal_concerns;
DROP TABLE report_signals;
