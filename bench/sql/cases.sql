-- GET /api/v1/cases?open=true: a case manager's open cases, first page of 50 (limit + 1 rows
-- fetched to learn whether a next page exists). The list is audited once for the request and
-- once per case shown (its child's access log: issue 17, finding 6), in one multi-row INSERT;
-- bench/run writes one row per case in place of the SHOWN_CASES line.
\set audit_id :id_base + random(1, 99999999999999999)
-- {{SHOWN_CASES}}
SELECT "cases"."id", "cases"."number", "cases"."child_id", "cases"."status", "cases"."risk_level", "cases"."region_code", "cases"."district_code", "cases"."assignee_id", "cases"."opened_at", "cases"."closed_at", "cases"."closure_reason", "cases"."version" FROM "cases" WHERE (("cases"."assignee_id" = :user_id) AND ("cases"."status" != 'closed')) ORDER BY "cases"."id" LIMIT 51;
-- begin:audit
INSERT INTO "audit_log" ("id", "at", "user_id", "action", "resource", "resource_id", "child_id", "region_code", "ip", "request_id", "break_glass", "seq", "prev_hash", "hash") VALUES (:audit_id, :now, :user_id, 'list', 'cases', '*', DEFAULT, :region, '127.0.0.1', '83a6bb1fd7634264b91988d526272678', 'f', DEFAULT, DEFAULT, DEFAULT);
-- end:audit
SELECT "case_concerns"."case_id", "case_concerns"."concern" FROM "case_concerns" WHERE ("case_concerns"."case_id" = ANY(:case_ids)) ORDER BY "case_concerns"."case_id", "case_concerns"."concern";
