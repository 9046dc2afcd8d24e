ALTER TABLE consents DROP COLUMN images;
DROP TABLE documents;
