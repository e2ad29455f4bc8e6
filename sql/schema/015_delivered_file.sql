-- 归集日志 of files: every file seen, by its bytes, and the batch its records went to.
-- A file listed here is never collected again.
CREATE TABLE IF NOT EXISTS delivered_file (
    dataset_id   TEXT NOT NULL,
    file_sha256  TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    batch_id     TEXT NOT NULL REFERENCES delivery_batch (batch_id),
    outcome      TEXT NOT NULL CHECK (outcome IN ('loaded', 'duplicate')),
    recorded_at  TEXT NOT NULL,
    PRIMARY KEY (dataset_id, file_sha256)
)
