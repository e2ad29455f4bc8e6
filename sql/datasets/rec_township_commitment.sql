-- Accepted 镇街园区公开承诺及履约情况 records (璜土镇、月城镇、青阳镇、徐霞客镇、华士镇、周庄镇、新桥镇、长泾镇、顾山镇、祝塘镇、澄江街道、南闸街道、云亭街道、临港街道、城东街道、江阴高新技术产业开发区、江阴临港经济开发区), values as delivered, with lineage.
-- Generated from the declaration dags/datasets/township.commitment.yml by `make suites`: edit that, not this.
CREATE TABLE IF NOT EXISTS rec_township_commitment (
    batch_id      TEXT NOT NULL,  -- the batch (no FOREIGN KEY: see below)
    source_row    INTEGER NOT NULL,
    township      TEXT NOT NULL,  -- 镇街园区
    commitment_no TEXT NOT NULL,  -- 承诺编号
    matter        TEXT NOT NULL,  -- 承诺事项
    kind          TEXT NOT NULL,  -- 承诺类型
    made_on       TEXT NOT NULL,  -- 作出日期
    due_on        TEXT NOT NULL,  -- 兑现期限
    status        TEXT NOT NULL,  -- 履约状态
    kept_on       TEXT,  -- 兑现日期
    evidence      TEXT,  -- 佐证材料
    superseded_by TEXT,  -- the later batch whose record with the same business key replaced it, or 异议 <编号> that withdrew it
    corrected_by  TEXT,  -- the objection (异议编号) whose 更正 changed its values (earlier ones in objection_change)
    PRIMARY KEY (batch_id, source_row)
)
-- No FOREIGN KEY to delivery_batch: PostgreSQL checks one row by row, which halves the
-- speed of a COPY; the batch row is written in the same transaction, and reconcile_batch
-- counts the batch's rows back before it commits.
