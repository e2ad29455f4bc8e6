-- Zero reports (本期无数据): a source's word that it had nothing for the days from covers_from
-- to covers_until, given on reported_day — a file with the standard's header and no record
-- (how = 'file'), or an API or front-end database answering a pull with no change (how =
-- 'pull'). An exchange period they cover is reported on that day (信息时效性), and a category
-- zero-reported is provided (信息覆盖率) though it produced no information.
CREATE TABLE IF NOT EXISTS zero_report (
    dataset_id     TEXT NOT NULL,
    department_id  TEXT NOT NULL,
    covers_from    TEXT NOT NULL,
    covers_until   TEXT NOT NULL,
    reported_day   TEXT NOT NULL,
    reported_at    TEXT NOT NULL,
    how            TEXT NOT NULL CHECK (how IN ('file', 'pull')),
    file_name      TEXT,
    PRIMARY KEY (dataset_id, department_id, covers_from, covers_until, how)
)
