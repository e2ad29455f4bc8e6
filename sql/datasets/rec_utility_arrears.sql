-- Accepted 公用事业欠费信息（供电、水务、燃气） records (供电、水务、燃气), values as delivered, with lineage.
CREATE TABLE IF NOT EXISTS rec_utility_arrears (
    batch_id             TEXT NOT NULL,  -- the batch (no FOREIGN KEY: see below)
    source_row           INTEGER NOT NULL,
    account_no           TEXT NOT NULL,
    holder_name          TEXT NOT NULL,
    holder_id_type       TEXT,
    holder_id_no         TEXT,
    holder_uscc          TEXT,
    customer_type        TEXT NOT NULL,
    service_address      TEXT NOT NULL,
    arrears_yuan         TEXT NOT NULL,
    arrears_since        TEXT NOT NULL,
    months_overdue       TEXT NOT NULL,
    reminders            TEXT NOT NULL,
    last_reminder_date   TEXT,
    provider_name        TEXT NOT NULL,
    provider_uscc        TEXT NOT NULL,
    determined_date      TEXT NOT NULL,
    PRIMARY KEY (batch_id, source_row)
)
-- No FOREIGN KEY to delivery_batch: PostgreSQL checks one row by row, which halves the
-- speed of a COPY; the batch row is written in the same transaction, and reconcile_batch
-- counts the batch's rows back before it commits.
