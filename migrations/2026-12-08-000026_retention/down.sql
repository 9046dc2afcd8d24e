ALTER TABLE children DROP COLUMN anonymised_at;
