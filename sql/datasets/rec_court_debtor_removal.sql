-- Accepted 失信被执行人名单删除信息（法院） records (法院), values as delivered, with lineage.
-- Generated from the declaration dags/datasets/court.debtor_removal.yml by `make suites`: edit that, not this.
CREATE TABLE IF NOT EXISTS rec_court_debtor_removal (
    batch_id      TEXT NOT NULL,  -- the batch (no FOREIGN KEY: see below)
    source_row    INTEGER NOT NULL,
    case_no       TEXT NOT NULL,  -- 案号
    debtor_name   TEXT NOT NULL,  -- 被执行人姓名/名称
    debtor_id_no  TEXT NOT NULL,  -- 身份证号码/组织机构代码
    court_name    TEXT NOT NULL,  -- 执行法院
    removed_on    TEXT NOT NULL,  -- 删除日期
    reason        TEXT NOT NULL,  -- 删除原因
    superseded_by TEXT,  -- the later batch whose record with the same business key replaced it, or 异议 <编号> that withdrew it
    corrected_by  TEXT,  -- the objection (异议编号) whose 更正 changed its values (earlier ones in objection_change)
    PRIMARY KEY (batch_id, source_row)
)
-- No FOREIGN KEY to delivery_batch: PostgreSQL checks one row by row, which halves the
-- speed of a COPY; the batch row is written in the same transaction, and reconcile_batch
-- counts the batch's rows back before it commits.
