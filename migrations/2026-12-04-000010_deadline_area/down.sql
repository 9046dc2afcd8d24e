DROP INDEX deadlines_area_started;
DROP INDEX deadlines_area_pending;
ALTER TABLE deadlines DROP COLUMN assignee_id;
ALTER TABLE deadlines DROP COLUMN district_code;
ALTER TABLE deadlines DROP COLUMN region_code;
