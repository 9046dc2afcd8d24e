-- POST /api/v1/signals: what the endpoint executes for a new signal whose child is matched by
-- IIN, with an Idempotency-Key (captured with log_min_duration_statement = 0; bench/run checks
-- that this list still matches what the server sends). Ids are new per transaction and, like the
-- server's UUIDv7s, sort after every existing id, so inserts land at the right of each index.
-- Placeholders :name come from `pgbench -D`, but :iin, one of the children bench/run picked, and
-- :c_id, the child found by IIN (`\gset`), as the server uses the child it found.
-- (Inside string literals a colon is never followed by a letter: pgbench would take it for a variable.)
\set signal_id :id_base + random(1, 99999999999999999)
\set event_id :id_base + random(1, 99999999999999999)
\set audit_id :id_base + random(1, 99999999999999999)
\set domain_event_id :id_base + random(1, 99999999999999999)
\set key :id_base + random(1, 99999999999999999)
\set n random(1, {{CHILDREN}})
-- {{CHOOSE_CHILD}}
BEGIN;
INSERT INTO "idempotency_keys" ("user_id", "idempotency_key", "request_hash", "response_status", "response_body", "created_at") VALUES (:user_id, :key, 'b6f1c34b8b3c4a2fd1e1a0f7f8b8d3d1f1b7d6e4f1a2c3b4d5e6f708192a3b4c', 0, '', :now);
-- the use case runs under the key: a savepoint in the key's transaction
SAVEPOINT diesel_savepoint_1;
-- the filer's role and organisation kind: the sources it may file as
SELECT "users"."id", "users"."username", "users"."full_name", "users"."email", "users"."password_hash", "users"."role", "users"."organisation_id", "users"."active", "users"."created_at", "users"."version", "users"."must_change_password", "organisations"."id", "organisations"."name", "organisations"."kind", "organisations"."region_code", "organisations"."district_code", "organisations"."email", "organisations"."created_at" FROM ("users" INNER JOIN "organisations" ON ("users"."organisation_id" = "organisations"."id")) WHERE ("users"."id" = :user_id) LIMIT 1;
SELECT "districts"."code", "districts"."region_code", "districts"."name_kk", "districts"."name_ru", "districts"."name_en" FROM "districts" WHERE ("districts"."code" = :district) LIMIT 1;
SELECT "children"."id", "children"."iin", "children"."last_name", "children"."first_name", "children"."middle_name", "children"."last_name_key", "children"."first_name_key", "children"."birth_date", "children"."sex", "children"."address", "children"."region_code", "children"."district_code", "children"."merged_into", "children"."created_at", "children"."anonymised_at" FROM "children" WHERE ("children"."iin" = :iin) LIMIT 1 \gset c_
INSERT INTO "signals" ("id", "source", "external_ref", "urgency", "description", "observed_at", "region_code", "district_code", "child_id", "child_facts", "reporter_name", "reporter_phone", "reporter_relation", "reporter_anonymous", "status", "received_at", "triage_due_at", "filed_by", "triaged_at", "triaged_by", "risk_level", "screen_out_reason", "case_id", "updated_at") VALUES (:signal_id, 'mobile_group', DEFAULT, 'high', 'Neighbours report the child alone at home for days.', :now, :region, :district, :c_id, '{"iin":"{{IIN}}","last_name": null,"first_name": null,"middle_name": null,"birth_date": null,"sex": null,"approx_age": null,"address": null}', 'Neighbour', '+77010000000', 'neighbour', 'f', 'received', :now, :now, :user_id, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, :now);
-- the concerns, one multi-row statement
INSERT INTO "signal_concerns" ("signal_id", "concern") VALUES (:signal_id, 'neglect'), (:signal_id, 'violence_physical');
-- the report facts (docs/reporting.md § Report facts): the child's signals from this one on (the repeat facts),
-- then the signal's concerns, each owner row locked first
SELECT 1 FROM children WHERE id = :c_id FOR NO KEY UPDATE;
DELETE FROM report_signals WHERE signal_id IN (SELECT s.id FROM signals s WHERE s.child_id = :c_id AND s.received_at >= (SELECT f.received_at FROM signals f WHERE f.id = :signal_id));
INSERT INTO report_signals (signal_id, record_key, region_code, district_code, received_at, source, status, triage_due_at, triaged_at, child_id, previous_received_at) SELECT s.id AS signal_id, CAST(('x' || lpad(regexp_replace(right(s.id, 8), '[^0-9a-f]', 'f', 'g'), 8, '0'))::bit(32) AS BIGINT), s.region_code, s.district_code, s.received_at, s.source, s.status, s.triage_due_at, s.triaged_at, s.child_id, (SELECT MAX(e.received_at) FROM signals e WHERE e.child_id = s.child_id AND e.received_at < s.received_at) FROM signals s WHERE s.child_id = :c_id AND s.received_at >= (SELECT f.received_at FROM signals f WHERE f.id = :signal_id);
SELECT 1 FROM signals WHERE id = :signal_id FOR NO KEY UPDATE;
DELETE FROM report_signal_concerns WHERE signal_id IN (SELECT s.id FROM signals s WHERE s.id = :signal_id);
INSERT INTO report_signal_concerns (signal_id, concern, record_key, region_code, district_code, received_at) SELECT sc.signal_id, sc.concern, CAST(('x' || lpad(regexp_replace(right(s.id, 8), '[^0-9a-f]', 'f', 'g'), 8, '0'))::bit(32) AS BIGINT), s.region_code, s.district_code, s.received_at FROM signal_concerns sc JOIN signals s ON s.id = sc.signal_id WHERE s.id = :signal_id;
-- the domain event of the feed and webhooks (docs/integration.md), numbered at commit
INSERT INTO "domain_events" ("id", "seq", "event_type", "at", "region_code", "district_code", "signal_id", "case_id", "child_id", "ref_id", "filed_by", "external_ref", "payload") VALUES (:domain_event_id, DEFAULT, 'signal.received', :now, :region, :district, :signal_id, DEFAULT, :c_id, DEFAULT, :user_id, DEFAULT, '{"source":"mobile_group","status":"received"}');
INSERT INTO "timeline_events" ("id", "child_id", "case_id", "at", "kind", "summary", "actor_id", "ref_id") VALUES (:event_id, :c_id, DEFAULT, :now, 'signal', 'Signal received from mobile_group: neglect, violence_physical', :user_id, :signal_id);
-- begin:audit
INSERT INTO "audit_log" ("id", "at", "user_id", "action", "resource", "resource_id", "child_id", "region_code", "ip", "request_id", "break_glass", "seq", "prev_hash", "hash") VALUES (:audit_id, :now, :user_id, 'create', 'signal', :signal_id, :c_id, :region, '127.0.0.1', '39f7e174cf20415294d5bc6ba8426859', 'f', DEFAULT, DEFAULT, DEFAULT);
-- end:audit
-- the reports sent after triage, counted for the answer (none for a new signal)
SELECT "signal_reports"."signal_id", COUNT(*) FROM "signal_reports" WHERE ("signal_reports"."signal_id" = ANY(CAST(ARRAY[:signal_id] AS text[]))) GROUP BY "signal_reports"."signal_id";
RELEASE SAVEPOINT diesel_savepoint_1;
UPDATE "idempotency_keys" SET "response_status" = 201, "response_body" = '{"id":"01a21288-0fdd-71e2-81fe-f00dc58a3126","status":"received","received_at":"2026-11-25T11:47:16.572336750Z","child_id":"015a7fb9-af91-7301-8038-fc21f1b2c593","triage_due_at":"2026-11-26T11:47:16.572336750Z","source":"mobile_group","external_ref": null,"concerns":["neglect","violence_physical"],"urgency":"high","description":"Neighbours report the child alone at home for days.","observed_at":"2026-11-24T18:30:00Z","region_code":"KZ-75","district_code":"KZ-75-04","filed_by":"01580d8d-e990-7000-80d8-ff7e242c42fe","child":{"address": null,"approx_age": null,"birth_date":"2014-08-19","first_name": null,"iin":"140819600002","last_name": null,"middle_name": null,"sex":"female"},"reporter":{"name":"Neighbour","phone":"+77010000000","relation":"neighbour","anonymous": false},"risk_level": null,"case_id": null,"triaged_at": null,"triaged_by": null,"screen_out_reason": null}' WHERE (("idempotency_keys"."user_id" = :user_id) AND ("idempotency_keys"."idempotency_key" = :key));
-- the events numbered in commit order: the counter's row is locked until the commit
SELECT "domain_events"."id" FROM "domain_events" WHERE ("domain_events"."seq" IS NULL) ORDER BY "domain_events"."id";
UPDATE "event_sequence" SET "last" = ("event_sequence"."last" + 1) WHERE ("event_sequence"."id" = 1);
SELECT "event_sequence"."last" FROM "event_sequence" WHERE ("event_sequence"."id" = 1) LIMIT 1 \gset es_
UPDATE "domain_events" SET "seq" = :es_last WHERE ("domain_events"."id" = :domain_event_id);
COMMIT;
