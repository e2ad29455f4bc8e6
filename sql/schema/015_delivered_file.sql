-- 归集日志 (collection log): one row per delivery, whatever its channel — a file dropped in
-- a landing folder, or a pull from an API or a front-end database (staged as a JSON-lines
-- file) — and whatever became of it: loaded as a batch, a duplicate of records already
-- loaded (the batch it matched), a zero report (the standard's header and no record: 本期无数据,
-- see zero_report), or unreadable (quarantined, the reason kept). Its counts are the
-- delivery's own, and add up; an unreadable file has none, a zero report zeros. A file loaded or logged as a
-- duplicate is known by its bytes and never collected again (016: once per bytes); bytes
-- that could not be read may come again, and each time is a row of its own.
CREATE TABLE IF NOT EXISTS delivered_file (
    dataset_id       TEXT NOT NULL,
    file_sha256      TEXT NOT NULL,
    file_name        TEXT NOT NULL,
    department_id    TEXT NOT NULL,
    channel          TEXT NOT NULL CHECK (channel IN ('landing', 'api', 'database')),
    source           TEXT NOT NULL,
    request          TEXT,
    content_sha256   TEXT,
    batch_id         TEXT REFERENCES delivery_batch (batch_id),
    outcome          TEXT NOT NULL CHECK (outcome IN ('loaded', 'duplicate', 'zero_report', 'unreadable')),
    reason           TEXT,
    delivered_at     TEXT NOT NULL,
    delivered_month  TEXT NOT NULL,
    recorded_at      TEXT NOT NULL,
    received         INTEGER,
    accepted         INTEGER,
    rejected         INTEGER,
    PRIMARY KEY (dataset_id, file_sha256, outcome, delivered_at, file_name),
    CONSTRAINT delivered_file_accounted CHECK (
        (outcome = 'unreadable' AND batch_id IS NULL AND content_sha256 IS NULL
         AND received IS NULL AND accepted IS NULL AND rejected IS NULL)
        OR (outcome = 'zero_report' AND batch_id IS NULL AND received = 0 AND accepted = 0 AND rejected = 0)
        OR (outcome IN ('loaded', 'duplicate') AND batch_id IS NOT NULL AND content_sha256 IS NOT NULL
            AND received IS NOT NULL AND accepted IS NOT NULL AND rejected IS NOT NULL
            AND received = accepted + rejected)
    )
)
