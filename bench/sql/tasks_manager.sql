-- GET /api/v1/me/tasks as a case manager (bench/run target tasks_manager): the pending
-- deadlines of their cases (counted per kind, then the first page of 50 + 1 by due time),
-- their returned plans and returned closures (each counted, then listed). Not audited: a task
-- names a kind and a case number, no child's data.
-- The statements between begin:waiting and end:waiting list the tasks with no clock: the
-- server sends them only when the tasks with a clock did not fill the page (bench/run drops
-- them when the manager has 51 or more).
SELECT "deadlines"."kind", COUNT(*) FROM "deadlines" WHERE ((("deadlines"."assignee_id" = :user_id) AND ("deadlines"."status" = 'pending')) AND ("deadlines"."kind" = ANY('{first_contact,initial_assessment,comprehensive_assessment,plan_approval,plan_review,follow_up}'))) GROUP BY "deadlines"."kind";
SELECT "deadlines"."id", "deadlines"."kind", "deadlines"."due_at", "cases"."id", "cases"."number" FROM ("deadlines" INNER JOIN "cases" ON ("deadlines"."case_id" = "cases"."id")) WHERE ((("deadlines"."assignee_id" = :user_id) AND ("deadlines"."status" = 'pending')) AND ("deadlines"."kind" = ANY('{first_contact,initial_assessment,comprehensive_assessment,plan_approval,plan_review,follow_up}'))) ORDER BY "deadlines"."due_at", "deadlines"."id" LIMIT 51;
SELECT COUNT(*) FROM (("plans" INNER JOIN "cases" ON ("plans"."case_id" = "cases"."id")) LEFT OUTER JOIN "plans" AS "later" ON (("later"."case_id" = "plans"."case_id") AND ("later"."version" > "plans"."version"))) WHERE (((("cases"."assignee_id" = :user_id) AND ("cases"."status" != 'closed')) AND ("plans"."status" = 'rejected')) AND ("later"."id" IS NULL));
-- begin:waiting
SELECT "plans"."id", "cases"."id", "cases"."number" FROM (("plans" INNER JOIN "cases" ON ("plans"."case_id" = "cases"."id")) LEFT OUTER JOIN "plans" AS "later" ON (("later"."case_id" = "plans"."case_id") AND ("later"."version" > "plans"."version"))) WHERE (((("cases"."assignee_id" = :user_id) AND ("cases"."status" != 'closed')) AND ("plans"."status" = 'rejected')) AND ("later"."id" IS NULL)) ORDER BY "plans"."id" LIMIT 51;
-- end:waiting
SELECT COUNT(*) FROM (("timeline_events" INNER JOIN "cases" ON ("timeline_events"."case_id" = "cases"."id")) LEFT OUTER JOIN "timeline_events" AS "later" ON ((("later"."case_id" = "timeline_events"."case_id") AND ("later"."kind" = 'closure_requested')) AND ("later"."id" > "timeline_events"."id"))) WHERE (((("cases"."assignee_id" = :user_id) AND ("cases"."status" = ANY('{in_progress,monitoring}'))) AND ("timeline_events"."kind" = 'closure_returned')) AND ("later"."id" IS NULL));
-- begin:waiting
SELECT "timeline_events"."id", "cases"."id", "cases"."number" FROM (("timeline_events" INNER JOIN "cases" ON ("timeline_events"."case_id" = "cases"."id")) LEFT OUTER JOIN "timeline_events" AS "later" ON ((("later"."case_id" = "timeline_events"."case_id") AND ("later"."kind" = 'closure_requested')) AND ("later"."id" > "timeline_events"."id"))) WHERE (((("cases"."assignee_id" = :user_id) AND ("cases"."status" = ANY('{in_progress,monitoring}'))) AND ("timeline_events"."kind" = 'closure_returned')) AND ("later"."id" IS NULL)) ORDER BY "timeline_events"."id" LIMIT 51;
-- end:waiting
