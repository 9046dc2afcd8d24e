-- Documents and photos on a case (issue 20, item 3): court and commission decisions, medical
-- certificates, signed consents, a child's photo. The bytes live in the document store (a
-- directory under data_dir, or an S3-compatible bucket: docs/configuration.md § Documents) under
-- `storage_key`; the row holds what the file is, its SHA-256 and who uploaded it. The bytes are
-- written to the store before the row commits: a row always has its bytes, and bytes without a
-- row (a failed or crashed upload) are unreachable orphans (docs/operations.md § Documents).
--
-- Code columns are checked inline, each constraint named `<table>_<column>_code` as in
-- 000015_code_checks.
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL CONSTRAINT documents_kind_code CHECK (kind IN ('court_decision', 'commission_decision', 'medical_certificate', 'signed_consent', 'photo', 'other')),
    -- The file name the client gave, without its directories; erased by retention.
    file_name TEXT NOT NULL,
    description TEXT,
    -- Detected from the content, never taken from the client.
    media_type TEXT NOT NULL CONSTRAINT documents_media_type_code CHECK (media_type IN ('application/pdf', 'image/jpeg', 'image/png', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'application/vnd.oasis.opendocument.text')),
    size_bytes BIGINT NOT NULL,
    -- Lower-case hex SHA-256 of the bytes, checked again on every download.
    sha256 TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    -- The basis of a photo: the consent to images it was kept under.
    consent_id TEXT REFERENCES consents (id),
    uploaded_by TEXT NOT NULL REFERENCES users (id),
    uploaded_at TIMESTAMP NOT NULL,
    -- Soft delete: the row and the bytes stay, hidden from the list and not served.
    deleted_at TIMESTAMP,
    deleted_by TEXT REFERENCES users (id),
    delete_reason TEXT,
    -- Retention erased the file name, description and reason; the bytes are then deleted from
    -- the store, and `purged_at` says when that was done.
    erased_at TIMESTAMP,
    purged_at TIMESTAMP
);
CREATE INDEX documents_case ON documents (case_id, id);
-- What retention still has to delete from the store.
CREATE INDEX documents_to_purge ON documents (id) WHERE erased_at IS NOT NULL AND purged_at IS NULL;

-- Consent to images of the child (seed l. 651–654): what a photo needs.
ALTER TABLE consents ADD COLUMN images BOOLEAN NOT NULL DEFAULT FALSE;
