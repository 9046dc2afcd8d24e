-- My tasks (issue 19, `GET /me/tasks`): each source of a user's tasks read through an index,
-- a page at a time (docs/benchmarks.md).

-- A case manager's pending deadlines in (due, id) order, with the kind, so that the page and
-- the counts per kind are read from this index alone.
CREATE INDEX deadlines_assignee_pending ON deadlines (assignee_id, due_at, id, kind) WHERE status = 'pending';
-- The closure requests and returns of a case: whether its latest closure request was returned.
CREATE INDEX timeline_events_closure ON timeline_events (case_id, id) WHERE kind IN ('closure_requested', 'closure_returned');
-- Plan versions awaiting the supervisor's decision.
CREATE INDEX plans_draft ON plans (id, case_id) WHERE status = 'draft';
-- A commission's matters (its measures are read through `commission_measures_matter`).
CREATE INDEX commission_matters_commission ON commission_matters (commission_organisation_id, id);
-- Routing gaps still on a supervisor's list.
CREATE INDEX routing_gaps_unresolved ON routing_gaps (id, case_id) WHERE resolved_at IS NULL;
-- Follow-up contacts that found concerns: reopen decisions.
CREATE INDEX follow_ups_concerns ON follow_ups (id, case_id) WHERE outcome = 'concerns';
