-- Accepted 人口基础信息（派出所） records (公安), values as delivered, with lineage.
CREATE TABLE IF NOT EXISTS rec_police_population (
    batch_id            TEXT NOT NULL REFERENCES delivery_batch (batch_id),
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
