-- GET /api/v1/reports/kpis?from=&to=: the whole country, one calendar year
-- (Kazakhstan time: :start and :end are local midnights in UTC), read from the month facts
-- (migration 000031, docs/reporting.md § Month facts): the marks of the year (none once the
-- worker has seen them), the district-months' rows, and from the report facts only what no row
-- holds — the clocks still running (:now decides which have lapsed, through partial indexes)
-- and the accompaniment counts, which are not sums over the year. The server also parses each
-- row's JSON and adds them up, which this script does not: the difference is in the comparison.
SELECT pg_is_in_recovery() AS replica, pg_last_xact_replay_timestamp() AT TIME ZONE 'UTC' AS replayed_at;
BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY;
SELECT "families"."id" FROM "families" WHERE ("families"."id" = ANY(SELECT "family_members"."family_id" FROM "family_members" WHERE ((("family_members"."child_id" = ANY(SELECT "cases"."child_id" FROM "cases" WHERE (("cases"."opened_at" < :end) AND (("cases"."closed_at" IS NULL) OR ("cases"."closed_at" >= :start))))) AND ("family_members"."added_at" < :end)) AND (("family_members"."removed_at" IS NULL) OR ("family_members"."removed_at" >= :start)))));
SELECT DISTINCT to_char(at + INTERVAL '5 hours', 'YYYY-MM') AS month FROM report_marks WHERE at >= :start AND at < :end;
SELECT region_code, district_code, month, facts FROM report_months WHERE month >= :first_month AND month <= :last_month;
SELECT source AS a, status AS b, CASE WHEN triaged_at IS NOT NULL THEN (CASE WHEN triaged_at <= triage_due_at THEN 'met_on_time' ELSE 'met_late' END) WHEN triage_due_at < :now THEN 'overdue' ELSE 'pending' END AS c, COUNT(*) AS n, CAST(MOD(COALESCE(SUM(record_key), 0), 4294967296) AS BIGINT) AS key_sum FROM report_signals WHERE received_at >= :start AND received_at < :end AND triaged_at IS NULL GROUP BY 1, 2, 3;
SELECT kind AS a, CASE WHEN met_at IS NOT NULL THEN (CASE WHEN met_at <= due_at THEN 'met_on_time' ELSE 'met_late' END) WHEN due_at < :now THEN 'overdue' ELSE 'pending' END AS b, CAST(NULL AS TEXT) AS c, COUNT(*) AS n, CAST(MOD(COALESCE(SUM(record_key), 0), 4294967296) AS BIGINT) AS key_sum FROM deadlines WHERE starts_at >= :start AND starts_at < :end AND met_at IS NULL AND status <> 'cancelled' AND kind <> 'triage' GROUP BY 1, 2;
SELECT CAST(NULL AS TEXT) AS a, CAST(NULL AS TEXT) AS b, CAST(NULL AS TEXT) AS c, COUNT(*) AS n, CAST(MOD(COALESCE(SUM(child_key), 0), 4294967296) AS BIGINT) AS key_sum FROM (SELECT DISTINCT child_id, child_key FROM report_cases WHERE first_approved_at < :end AND (closed_at IS NULL OR closed_at >= :start)) d;
SELECT CAST(NULL AS TEXT) AS a, CAST(NULL AS TEXT) AS b, CAST(NULL AS TEXT) AS c, COUNT(*) AS n, CAST(MOD(COALESCE(SUM(child_key), 0), 4294967296) AS BIGINT) AS key_sum FROM (SELECT DISTINCT child_id, child_key FROM report_referrals WHERE organisation_kind = 'family_support_centre' AND status <> 'declined' AND responded_at < :end AND (completed_at IS NULL OR completed_at >= :start) AND (withdrawn_at IS NULL OR withdrawn_at >= :start)) d;
SELECT "users"."role", COUNT(*) FROM ("users" INNER JOIN "organisations" ON ("users"."organisation_id" = "organisations"."id")) WHERE (("users"."active" = 't') AND ("users"."role" = ANY('{case_manager,specialist}'))) GROUP BY "users"."role";
SELECT "users"."role", COUNT(*) FROM ("users" INNER JOIN "organisations" ON ("users"."organisation_id" = "organisations"."id")) WHERE ((("users"."active" = 't') AND ("users"."role" = ANY('{case_manager,specialist}'))) AND ("users"."id" = ANY(SELECT "trainings"."user_id" FROM "trainings" WHERE ("trainings"."completed_on" <= :last_day)))) GROUP BY "users"."role";
COMMIT;
