-- A refused record exactly as delivered (JSON of the standard's fields). It stays open
-- until the department delivers a record with the same business key that is accepted;
-- that batch closes it. The refusal still counts in the month it was delivered.
CREATE TABLE IF NOT EXISTS refused_record (
    batch_id         TEXT NOT NULL REFERENCES delivery_batch (batch_id),
    source_row       INTEGER NOT NULL,
    record_json      TEXT NOT NULL,
    business_key     TEXT,
    closed_by_batch  TEXT REFERENCES delivery_batch (batch_id),
    closed_at        TEXT,
    PRIMARY KEY (batch_id, source_row)
)
