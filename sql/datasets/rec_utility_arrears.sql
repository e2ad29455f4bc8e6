-- Accepted 公用事业欠费信息（供电、水务、燃气） records (供电、水务、燃气), values as delivered, with lineage.
-- Generated from the declaration dags/datasets/utility.arrears.yml by `make suites`: edit that, not this.
CREATE TABLE IF NOT EXISTS rec_utility_arrears (
    batch_id           TEXT NOT NULL,  -- the batch (no FOREIGN KEY: see below)
    source_row         INTEGER NOT NULL,
    account_no         TEXT NOT NULL,  -- 户号
    holder_name        TEXT NOT NULL,  -- 户名
    holder_id_type     TEXT,  -- 证件类型
    holder_id_no       TEXT,  -- 证件号码
    holder_uscc        TEXT,  -- 统一社会信用代码
    customer_type      TEXT NOT NULL,  -- 用户类型
    service_address    TEXT NOT NULL,  -- 用电（水、气）地址
    arrears_yuan       TEXT NOT NULL,  -- 欠费金额（元）
    arrears_since      TEXT NOT NULL,  -- 欠费起始日期
    months_overdue     TEXT NOT NULL,  -- 欠费月数
    reminders          TEXT NOT NULL,  -- 催缴次数
    last_reminder_date TEXT,  -- 最近催缴日期
    provider_name      TEXT NOT NULL,  -- 提供单位
    provider_uscc      TEXT NOT NULL,  -- 提供单位统一社会信用代码
    determined_date    TEXT NOT NULL,  -- 认定日期
    superseded_by      TEXT,  -- the later batch whose record with the same business key replaced it, or 异议 <编号> that withdrew it
    corrected_by       TEXT,  -- the objection (异议编号) whose 更正 changed its values (earlier ones in objection_change)
    PRIMARY KEY (batch_id, source_row)
)
-- No FOREIGN KEY to delivery_batch: PostgreSQL checks one row by row, which halves the
-- speed of a COPY; the batch row is written in the same transaction, and reconcile_batch
-- counts the batch's rows back before it commits.
