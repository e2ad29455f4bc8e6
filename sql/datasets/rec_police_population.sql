-- Accepted 人口基础信息（派出所） records (公安), values as delivered, with lineage.
-- Generated from the declaration dags/datasets/police.population.yml by `make suites`: edit that, not this.
CREATE TABLE IF NOT EXISTS rec_police_population (
    batch_id          TEXT NOT NULL,  -- the batch (no FOREIGN KEY: see below)
    source_row        INTEGER NOT NULL,
    person_name       TEXT NOT NULL,  -- 姓名
    id_no             TEXT NOT NULL,  -- 公民身份号码
    sex               TEXT NOT NULL,  -- 性别
    birth_date        TEXT NOT NULL,  -- 出生日期
    ethnicity         TEXT,  -- 民族
    household_address TEXT NOT NULL,  -- 户籍地址
    police_station    TEXT NOT NULL,  -- 所属派出所
    registered_date   TEXT,  -- 登记日期
    superseded_by     TEXT,  -- the later batch whose record with the same business key replaced it, or 异议 <编号> that withdrew it
    corrected_by      TEXT,  -- the objection (异议编号) whose 更正 changed its values (earlier ones in objection_change)
    PRIMARY KEY (batch_id, source_row)
)
-- No FOREIGN KEY to delivery_batch: PostgreSQL checks one row by row, which halves the
-- speed of a COPY; the batch row is written in the same transaction, and reconcile_batch
-- counts the batch's rows back before it commits.
