-- Accepted 异议信用信息处理登记（信用办） records (信用办), values as delivered, with lineage.
-- Generated from the declaration dags/datasets/credit.objection.yml by `make suites`: edit that, not this.
CREATE TABLE IF NOT EXISTS rec_credit_objection (
    batch_id         TEXT NOT NULL,  -- the batch (no FOREIGN KEY: see below)
    source_row       INTEGER NOT NULL,
    objection_no     TEXT NOT NULL,  -- 异议编号
    matter           TEXT NOT NULL,  -- 异议事项
    disputed_dataset TEXT NOT NULL,  -- 异议信息所属数据集
    disputed_key     TEXT NOT NULL,  -- 异议信息业务主键
    department       TEXT NOT NULL,  -- 责任部门
    forwarded_date   TEXT NOT NULL,  -- 转办日期
    deadline         TEXT NOT NULL,  -- 办理期限
    handled_date     TEXT,  -- 办结日期
    outcome          TEXT,  -- 处理结果
    corrections      TEXT,  -- 更正内容
    superseded_by    TEXT,  -- the later batch whose record with the same business key replaced it, or 异议 <编号> that withdrew it
    corrected_by     TEXT,  -- the objection (异议编号) whose 更正 changed its values (earlier ones in objection_change)
    PRIMARY KEY (batch_id, source_row)
)
-- No FOREIGN KEY to delivery_batch: PostgreSQL checks one row by row, which halves the
-- speed of a COPY; the batch row is written in the same transaction, and reconcile_batch
-- counts the batch's rows back before it commits.
