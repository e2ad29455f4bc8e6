-- How far each pulled source (API, front-end database) has been read. It advances in the
-- same transaction that loads the pulled records, so a failed run re-reads, never skips.
CREATE TABLE IF NOT EXISTS source_watermark (
    dataset_id     TEXT NOT NULL,
    department_id  TEXT NOT NULL,
    watermark      TEXT NOT NULL,
    batch_id       TEXT NOT NULL REFERENCES delivery_batch (batch_id),
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (dataset_id, department_id)
)
