-- Accepted 人口基础信息（派出所） records (公安), values as delivered, with lineage.
CREATE TABLE IF NOT EXISTS rec_police_population (
    batch_id            TEXT NOT NULL,  -- the batch (no FOREIGN KEY: see below)
    source_row          INTEGER NOT NULL,
    person_name         TEXT NOT NULL,
    id_no               TEXT NOT NULL,
    sex                 TEXT NOT NULL,
    birth_date          TEXT NOT NULL,
    ethnicity           TEXT,
    household_address   TEXT NOT NULL,
    police_station      TEXT NOT NULL,
    registered_date     TEXT,
    PRIMARY KEY (batch_id, source_row)
)
-- No FOREIGN KEY to delivery_batch: PostgreSQL checks one row by row, which halves the
-- speed of a COPY; the batch row is written in the same transaction, and reconcile_batch
-- counts the batch's rows back before it commits.
