-- GET /api/v1/reports/aggregates?group_by=region,concern,month&from=&to=: de-identified counts
-- of the whole country's signals over one calendar year, per region, concern and local month,
-- with their disclosure-control key sums (docs/reporting.md § Disclosure control), read from the
-- month facts (docs/reporting.md § Month facts): the marks of the year and the district-months'
-- rows, whose cells the server adds up (not this script).
-- (Reports read `as_of` first, then run in one read-only snapshot: docs/operations.md § Reports on a replica.)
SELECT pg_is_in_recovery() AS replica, pg_last_xact_replay_timestamp() AT TIME ZONE 'UTC' AS replayed_at;
BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY;
SELECT DISTINCT to_char(at + INTERVAL '5 hours', 'YYYY-MM') AS month FROM report_marks WHERE at >= :start AND at < :end;
SELECT region_code, district_code, month, facts FROM report_months WHERE month >= :first_month AND month <= :last_month;
COMMIT;
