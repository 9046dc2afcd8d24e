-- Foundation: geography, organisations, users, logins.
-- Ids are UUID text and timestamps UTC TIMESTAMP in both backends, so one diesel schema serves both.

CREATE TABLE regions (
    code TEXT PRIMARY KEY,
    name_kk TEXT NOT NULL,
    name_ru TEXT NOT NULL,
    name_en TEXT NOT NULL
);

CREATE TABLE districts (
    code TEXT PRIMARY KEY,
    region_code TEXT NOT NULL REFERENCES regions (code),
    name_kk TEXT NOT NULL,
    name_ru TEXT NOT NULL,
    name_en TEXT NOT NULL
);
CREATE INDEX districts_region ON districts (region_code);

CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code),
    district_code TEXT REFERENCES districts (code),
    email TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX organisations_region_kind ON organisations (region_code, kind);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    email TEXT,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX users_organisation_role ON users (organisation_id, role);

-- One row per login. Access tokens name their session, so logout and refresh-token reuse
-- revoke every token of the login at once.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoked_reason TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Refresh tokens are stored as SHA-256 hashes: a copy of this table cannot be replayed.
CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id),
    issued_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

INSERT INTO regions (code, name_kk, name_ru, name_en) VALUES
    ('KZ-10', 'Абай облысы', 'Абайская область', 'Abai Region'),
    ('KZ-11', 'Ақмола облысы', 'Акмолинская область', 'Akmola Region'),
    ('KZ-15', 'Ақтөбе облысы', 'Актюбинская область', 'Aktobe Region'),
    ('KZ-19', 'Алматы облысы', 'Алматинская область', 'Almaty Region'),
    ('KZ-23', 'Атырау облысы', 'Атырауская область', 'Atyrau Region'),
    ('KZ-27', 'Батыс Қазақстан облысы', 'Западно-Казахстанская область', 'West Kazakhstan Region'),
    ('KZ-31', 'Жамбыл облысы', 'Жамбылская область', 'Zhambyl Region'),
    ('KZ-33', 'Жетісу облысы', 'Область Жетісу', 'Zhetisu Region'),
    ('KZ-35', 'Қарағанды облысы', 'Карагандинская область', 'Karaganda Region'),
    ('KZ-39', 'Қостанай облысы', 'Костанайская область', 'Kostanay Region'),
    ('KZ-43', 'Қызылорда облысы', 'Кызылординская область', 'Kyzylorda Region'),
    ('KZ-47', 'Маңғыстау облысы', 'Мангистауская область', 'Mangystau Region'),
    ('KZ-55', 'Павлодар облысы', 'Павлодарская область', 'Pavlodar Region'),
    ('KZ-59', 'Солтүстік Қазақстан облысы', 'Северо-Казахстанская область', 'North Kazakhstan Region'),
    ('KZ-61', 'Түркістан облысы', 'Туркестанская область', 'Turkistan Region'),
    ('KZ-62', 'Ұлытау облысы', 'Область Ұлытау', 'Ulytau Region'),
    ('KZ-63', 'Шығыс Қазақстан облысы', 'Восточно-Казахстанская область', 'East Kazakhstan Region'),
    ('KZ-71', 'Астана қаласы', 'город Астана', 'Astana'),
    ('KZ-75', 'Алматы қаласы', 'город Алматы', 'Almaty'),
    ('KZ-79', 'Шымкент қаласы', 'город Шымкент', 'Shymkent');
