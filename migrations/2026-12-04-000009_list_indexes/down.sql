DROP INDEX signals_case;
DROP INDEX deadlines_pending;
DROP INDEX cases_region_members;
DROP INDEX cases_region_open;
DROP INDEX cases_assignee_open;
