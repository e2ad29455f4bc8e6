-- Early warnings (预警), one row per condition: re-evaluating updates it rather than adding
-- another, a condition that no longer holds is marked resolved, and the credit office is
-- alerted once per warning (again only if its level rises).
CREATE TABLE IF NOT EXISTS early_warning (
    warning_key     TEXT PRIMARY KEY,
    rule_id         TEXT NOT NULL,
    level           TEXT NOT NULL CHECK (level IN ('红', '橙', '黄')),
    month           TEXT NOT NULL,
    department_id   TEXT NOT NULL,  -- the department it concerns ('' for a township's)
    township        TEXT,           -- the township (镇街道园区) it is filed under, if any
    title           TEXT NOT NULL,
    evidence        TEXT NOT NULL,
    action          TEXT NOT NULL,
    first_raised_at TEXT NOT NULL,
    last_seen_at    TEXT NOT NULL,
    resolved_at     TEXT,
    alerted_at      TEXT,
    alerted_level   TEXT
)
