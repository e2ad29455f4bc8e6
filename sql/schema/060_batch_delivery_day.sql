-- The days a batch's records were made available (报送日期: the file's delivery day, or for a
-- pulled source each day its records changed at the source), and the day that places them in
-- their exchange period (period_day: the dataset's period_field — a decision's date — or, for a
-- record without a usable one, the period the delivery reports). Timeliness (信息时效性)
-- judges each exchange period by these, not by when the platform happened to pull.
CREATE TABLE IF NOT EXISTS batch_delivery_day (
    batch_id      TEXT NOT NULL REFERENCES delivery_batch (batch_id),
    delivery_day  TEXT NOT NULL,
    period_day    TEXT NOT NULL,
    records       INTEGER NOT NULL,
    PRIMARY KEY (batch_id, delivery_day, period_day)
)
