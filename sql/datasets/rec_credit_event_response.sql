-- Accepted 严重失信事件政府反馈登记（信用办） records (信用办), values as delivered, with lineage.
-- Generated from the declaration dags/datasets/credit.event_response.yml by `make suites`: edit that, not this.
CREATE TABLE IF NOT EXISTS rec_credit_event_response (
    batch_id      TEXT NOT NULL,  -- the batch (no FOREIGN KEY: see below)
    source_row    INTEGER NOT NULL,
    township      TEXT NOT NULL,  -- 镇街园区
    body_name     TEXT NOT NULL,  -- 单位名称
    case_no       TEXT NOT NULL,  -- 案号
    responded_on  TEXT NOT NULL,  -- 反馈日期
    measures      TEXT NOT NULL,  -- 整改措施
    expected_on   TEXT,  -- 预计履行日期
    superseded_by TEXT,  -- the later batch whose record with the same business key replaced it, or 异议 <编号> that withdrew it
    corrected_by  TEXT,  -- the objection (异议编号) whose 更正 changed its values (earlier ones in objection_change)
    PRIMARY KEY (batch_id, source_row)
)
-- No FOREIGN KEY to delivery_batch: PostgreSQL checks one row by row, which halves the
-- speed of a COPY; the batch row is written in the same transaction, and reconcile_batch
-- counts the batch's rows back before it commits.
