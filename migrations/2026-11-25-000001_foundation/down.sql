DROP TABLE refresh_tokens;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE organisations;
DROP TABLE districts;
DROP TABLE regions;
