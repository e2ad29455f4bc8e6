-- Deductions the credit office judges itself (附件2 三、双公示信息报送: "视工作实绩扣分"), each
-- with its reason, who recorded it and when, and the month it is recorded against. Never
-- updated: a deduction withdrawn is another row with the opposite points and its own reason.
CREATE TABLE IF NOT EXISTS assessment_adjustment (
    adjustment_id  TEXT PRIMARY KEY,
    department_id  TEXT NOT NULL,
    item           TEXT NOT NULL,
    month          TEXT NOT NULL,
    points         TEXT NOT NULL,
    reason         TEXT NOT NULL CHECK (reason <> ''),
    recorded_by    TEXT NOT NULL,
    recorded_at    TEXT NOT NULL
)
