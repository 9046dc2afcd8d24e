-- GET /api/v1/children/{id}/timeline: the child (404 unless visible), its open case (whose
-- assignee may read the file), the audited read, then the events.
\set audit_id :id_base + random(1, 99999999999999999)
SELECT "children"."id", "children"."iin", "children"."last_name", "children"."first_name", "children"."middle_name", "children"."last_name_key", "children"."first_name_key", "children"."birth_date", "children"."sex", "children"."address", "children"."region_code", "children"."district_code", "children"."merged_into", "children"."created_at", "children"."anonymised_at" FROM "children" WHERE ("children"."id" = :child_id) LIMIT 1;
SELECT "cases"."id", "cases"."assignee_id" FROM "cases" WHERE (("cases"."child_id" = :child_id) AND ("cases"."status" != 'closed')) LIMIT 1;
-- begin:audit
INSERT INTO "audit_log" ("id", "at", "user_id", "action", "resource", "resource_id", "child_id", "region_code", "ip", "request_id", "break_glass", "seq", "prev_hash", "hash") VALUES (:audit_id, :now, :user_id, 'read', 'child', :child_id, :child_id, :child_region, '127.0.0.1', '6ec0b3dc4c7b406cb0f707bccbbac711', 'f', DEFAULT, DEFAULT, DEFAULT);
-- end:audit
SELECT "timeline_events"."id", "timeline_events"."child_id", "timeline_events"."case_id", "timeline_events"."at", "timeline_events"."kind", "timeline_events"."summary", "timeline_events"."actor_id", "timeline_events"."ref_id" FROM "timeline_events" WHERE ("timeline_events"."child_id" = :child_id) ORDER BY "timeline_events"."at", "timeline_events"."id";
