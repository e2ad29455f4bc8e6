-- One row per delivery (a file, or an API page set): what came, when, how it was judged.
-- content_sha256 fingerprints the records themselves, so the same records delivered again
-- (re-processed, renamed, re-exported, re-encoded) are one batch and never count twice.
CREATE TABLE IF NOT EXISTS delivery_batch (
    batch_id         TEXT PRIMARY KEY,
    dataset_id       TEXT NOT NULL,
    department_id    TEXT NOT NULL,
    file_name        TEXT NOT NULL,
    file_sha256      TEXT NOT NULL,
    content_sha256   TEXT NOT NULL,
    file_format      TEXT NOT NULL,
    encoding         TEXT,
    delivered_at     TEXT NOT NULL,
    delivered_month  TEXT NOT NULL,
    processed_at     TEXT NOT NULL,
    received         INTEGER NOT NULL,
    accepted         INTEGER NOT NULL,
    rejected         INTEGER NOT NULL,
    error_count      INTEGER NOT NULL,
    warning_count    INTEGER NOT NULL,
    CONSTRAINT delivery_batch_once UNIQUE (dataset_id, content_sha256),
    CONSTRAINT delivery_batch_counts_add_up CHECK (received = accepted + rejected)
)
