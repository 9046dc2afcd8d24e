-- GET /api/v1/reports/aggregates?group_by=region,concern,month&from=&to=: de-identified counts
-- of the whole country's signals over one calendar year, per region, concern and local month,
-- with their disclosure-control key sums (docs/reporting.md § Disclosure control), read from the report facts (one index-only range of the year).
-- (Reports read `as_of` first, then run in one read-only snapshot: docs/operations.md § Reports on a replica.)
SELECT pg_is_in_recovery() AS replica, pg_last_xact_replay_timestamp() AT TIME ZONE 'UTC' AS replayed_at;
BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY;
SELECT s.region_code AS region, CAST(NULL AS TEXT) AS district, s.concern AS concern, CAST(NULL AS TEXT) AS source, CAST(NULL AS TEXT) AS sex, to_char((s.received_at + INTERVAL '5 hours'), 'YYYY-MM') AS month, CAST(NULL AS INTEGER) AS age, COUNT(*) AS n, CAST(MOD(COALESCE(SUM(s.record_key), 0), 4294967296) AS BIGINT) AS key_sum FROM report_signal_concerns s WHERE s.received_at >= :start AND s.received_at < :end GROUP BY s.region_code, s.concern, to_char((s.received_at + INTERVAL '5 hours'), 'YYYY-MM');
COMMIT;
