DROP INDEX deadlines_area_started;
DROP INDEX deadlines_area_pending;
ALTER TABLE deadlines DROP COLUMN assignee_id, DROP COLUMN district_code, DROP COLUMN region_code;
