ALTER TABLE placements DROP COLUMN version;
ALTER TABLE plans DROP COLUMN revision;
