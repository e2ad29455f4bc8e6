-- Every rule a record broke: errors refuse the record, warnings are only reported.
CREATE TABLE IF NOT EXISTS record_issue (
    batch_id    TEXT NOT NULL REFERENCES delivery_batch (batch_id),
    source_row  INTEGER NOT NULL,
    field       TEXT NOT NULL,
    rule        TEXT NOT NULL,
    severity    TEXT NOT NULL CHECK (severity IN ('error', 'warning')),
    message     TEXT NOT NULL,
    fix         TEXT NOT NULL,
    PRIMARY KEY (batch_id, source_row, field, rule)
)
