DROP INDEX follow_ups_concerns;
DROP INDEX routing_gaps_unresolved;
DROP INDEX commission_matters_commission;
DROP INDEX plans_draft;
DROP INDEX timeline_events_closure;
DROP INDEX deadlines_assignee_pending;
