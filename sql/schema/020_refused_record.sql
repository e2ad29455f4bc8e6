-- A refused record exactly as delivered (JSON of the standard's fields), for the notice
-- and for closing the refusal when a corrected record arrives.
CREATE TABLE IF NOT EXISTS refused_record (
    batch_id     TEXT NOT NULL REFERENCES delivery_batch (batch_id),
    source_row   INTEGER NOT NULL,
    record_json  TEXT NOT NULL,
    PRIMARY KEY (batch_id, source_row)
)
