DROP INDEX deadlines_started;
CREATE INDEX deadlines_started ON deadlines (starts_at);
DROP INDEX deadlines_area_started;
CREATE INDEX deadlines_area_started ON deadlines (region_code, starts_at, district_code, kind, status, due_at, met_at, id);
ALTER TABLE deadlines DROP COLUMN record_key;
