-- The month's 信息规范性 figures per department, recomputed (replaced) by the monthly DAG.
CREATE TABLE IF NOT EXISTS monthly_conformity (
    month                 TEXT NOT NULL,
    department_id         TEXT NOT NULL,
    batches               INTEGER NOT NULL,
    received              INTEGER NOT NULL,
    accepted              INTEGER NOT NULL,
    rejected              INTEGER NOT NULL,
    warning_count         INTEGER NOT NULL,
    rate_pct              NUMERIC(9, 4) NOT NULL,
    ytd_received          INTEGER NOT NULL,
    ytd_rejected          INTEGER NOT NULL,
    ytd_rate_pct          NUMERIC(9, 4) NOT NULL,
    conformity_deduction  INTEGER NOT NULL,
    refusals_corrected    INTEGER NOT NULL,
    refusals_open         INTEGER NOT NULL,
    computed_at           TEXT NOT NULL,
    PRIMARY KEY (month, department_id)
)
