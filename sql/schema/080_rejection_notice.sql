-- 退回通知: one row per loaded batch whose notice has been published into its department's
-- outbox (and mailed when mail is set up). A loaded batch without a row here still owes its
-- department a notice: the next run of its source offers it again (issue 16, item 5).
CREATE TABLE IF NOT EXISTS rejection_notice (
    batch_id       TEXT PRIMARY KEY REFERENCES delivery_batch (batch_id),
    published_at   TEXT NOT NULL,
    notice_file    TEXT NOT NULL,  -- the workbook, under the outbox folder
    mailed         BOOLEAN NOT NULL
)
