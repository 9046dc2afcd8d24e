-- GET /api/v1/me/tasks as the supervisor of the region (Almaty, KZ-75, the largest; bench/run
-- target tasks_supervisor): first the sources with a clock — lapsed deadlines, cases awaiting
-- assignment, signals past their triage clock — each counted and its first page of 50 + 1 read
-- by due time; then those without one — plans and closures awaiting decision, incoming
-- transfers, unresolved routing gaps, reopen decisions — each counted and listed. Not audited.
-- The statements between begin:waiting and end:waiting are sent only when the sources with a
-- clock did not fill the page (bench/run drops them when they hold 51 or more rows).
SELECT COUNT(*) FROM "deadlines" WHERE (((("deadlines"."region_code" = :region) AND ("deadlines"."status" = 'pending')) AND ("deadlines"."due_at" < :now)) AND ("deadlines"."kind" != 'assignment'));
SELECT "deadlines"."id", "deadlines"."kind", "deadlines"."due_at", "cases"."id", "cases"."number" FROM ("deadlines" INNER JOIN "cases" ON ("deadlines"."case_id" = "cases"."id")) WHERE (((("deadlines"."region_code" = :region) AND ("deadlines"."status" = 'pending')) AND ("deadlines"."due_at" < :now)) AND ("deadlines"."kind" != 'assignment')) ORDER BY "deadlines"."due_at", "deadlines"."id" LIMIT 51;
SELECT COUNT(*) FROM "deadlines" WHERE ((("deadlines"."region_code" = :region) AND ("deadlines"."status" = 'pending')) AND ("deadlines"."kind" = 'assignment'));
SELECT "deadlines"."id", "deadlines"."kind", "deadlines"."due_at", "cases"."id", "cases"."number" FROM ("deadlines" INNER JOIN "cases" ON ("deadlines"."case_id" = "cases"."id")) WHERE ((("deadlines"."region_code" = :region) AND ("deadlines"."status" = 'pending')) AND ("deadlines"."kind" = 'assignment')) ORDER BY "deadlines"."due_at", "deadlines"."id" LIMIT 51;
SELECT COUNT(*) FROM "signals" WHERE ((("signals"."region_code" = :region) AND ("signals"."status" = 'received')) AND ("signals"."triage_due_at" < :now));
SELECT "signals"."id", "signals"."triage_due_at" FROM "signals" WHERE ((("signals"."region_code" = :region) AND ("signals"."status" = 'received')) AND ("signals"."triage_due_at" < :now)) ORDER BY "signals"."triage_due_at", "signals"."id" LIMIT 51;
SELECT COUNT(*) FROM ("plans" INNER JOIN "cases" ON ("plans"."case_id" = "cases"."id")) WHERE ((("plans"."status" = 'draft') AND ("cases"."region_code" = :region)) AND ("cases"."closed_at" IS NULL));
-- begin:waiting
SELECT "plans"."id", "cases"."id", "cases"."number" FROM ("plans" INNER JOIN "cases" ON ("plans"."case_id" = "cases"."id")) WHERE ((("plans"."status" = 'draft') AND ("cases"."region_code" = :region)) AND ("cases"."closed_at" IS NULL)) ORDER BY "plans"."id" LIMIT 51;
-- end:waiting
SELECT COUNT(*) FROM "cases" WHERE (("cases"."region_code" = :region) AND ("cases"."status" = 'closure_requested'));
-- begin:waiting
SELECT "cases"."id", "cases"."id", "cases"."number" FROM "cases" WHERE (("cases"."region_code" = :region) AND ("cases"."status" = 'closure_requested')) ORDER BY "cases"."id" LIMIT 51;
-- end:waiting
SELECT COUNT(*) FROM ("transfers" INNER JOIN "cases" ON ("cases"."id" = "transfers"."case_id")) WHERE (("transfers"."to_region" = :region) AND ("transfers"."status" = 'pending'));
-- begin:waiting
SELECT "transfers"."id", "cases"."id", "cases"."number" FROM ("transfers" INNER JOIN "cases" ON ("cases"."id" = "transfers"."case_id")) WHERE (("transfers"."to_region" = :region) AND ("transfers"."status" = 'pending')) ORDER BY "transfers"."id" LIMIT 51;
-- end:waiting
SELECT COUNT(*) FROM ("routing_gaps" INNER JOIN "cases" ON ("cases"."id" = "routing_gaps"."case_id")) WHERE (("routing_gaps"."resolved_at" IS NULL) AND ("cases"."region_code" = :region));
-- begin:waiting
SELECT "routing_gaps"."id", "cases"."id", "cases"."number" FROM ("routing_gaps" INNER JOIN "cases" ON ("cases"."id" = "routing_gaps"."case_id")) WHERE (("routing_gaps"."resolved_at" IS NULL) AND ("cases"."region_code" = :region)) ORDER BY "routing_gaps"."id" LIMIT 51;
-- end:waiting
SELECT COUNT(*) FROM (("follow_ups" INNER JOIN "cases" ON ("follow_ups"."case_id" = "cases"."id")) LEFT OUTER JOIN "follow_ups" AS "later" ON (("later"."case_id" = "follow_ups"."case_id") AND ("later"."id" > "follow_ups"."id"))) WHERE ((((("follow_ups"."outcome" = 'concerns') AND ("cases"."region_code" = :region)) AND ("cases"."status" = 'closed')) AND ("follow_ups"."recorded_at" >= "cases"."closed_at")) AND ("later"."id" IS NULL));
-- begin:waiting
SELECT "follow_ups"."id", "cases"."id", "cases"."number" FROM (("follow_ups" INNER JOIN "cases" ON ("follow_ups"."case_id" = "cases"."id")) LEFT OUTER JOIN "follow_ups" AS "later" ON (("later"."case_id" = "follow_ups"."case_id") AND ("later"."id" > "follow_ups"."id"))) WHERE ((((("follow_ups"."outcome" = 'concerns') AND ("cases"."region_code" = :region)) AND ("cases"."status" = 'closed')) AND ("follow_ups"."recorded_at" >= "cases"."closed_at")) AND ("later"."id" IS NULL)) ORDER BY "follow_ups"."id" LIMIT 51;
-- end:waiting
