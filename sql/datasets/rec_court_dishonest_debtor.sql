-- Accepted 失信被执行人信息 records (法院), values as delivered, with lineage.
-- Generated from the declaration dags/datasets/court.dishonest_debtor.yml by `make suites`: edit that, not this.
CREATE TABLE IF NOT EXISTS rec_court_dishonest_debtor (
    batch_id                TEXT NOT NULL,  -- the batch (no FOREIGN KEY: see below)
    source_row              INTEGER NOT NULL,
    debtor_name             TEXT NOT NULL,  -- 被执行人姓名/名称
    case_no                 TEXT NOT NULL,  -- 案号
    age                     TEXT,  -- 年龄
    sex                     TEXT,  -- 性别
    debtor_id_no            TEXT NOT NULL,  -- 身份证号码/组织机构代码
    legal_rep_name          TEXT,  -- 法定代表人
    court_name              TEXT NOT NULL,  -- 执行法院
    province                TEXT NOT NULL,  -- 省份
    basis_doc_no            TEXT NOT NULL,  -- 执行依据文号
    filing_date             TEXT NOT NULL,  -- 立案时间
    basis_issuer            TEXT NOT NULL,  -- 做出执行依据单位
    obligation              TEXT NOT NULL,  -- 生效法律文书确定的义务
    performance             TEXT NOT NULL,  -- 被执行人的履行情况
    performed_part          TEXT,  -- 已履行部分
    unperformed_part        TEXT,  -- 未履行部分
    dishonest_conduct       TEXT NOT NULL,  -- 失信被执行人行为具体情形
    published_date          TEXT NOT NULL,  -- 发布时间
    dishonest_conduct_terms TEXT,  -- 失信被执行人行为具体情形，标准名称，以；分隔
    superseded_by           TEXT,  -- the later batch whose record with the same business key replaced it, or 异议 <编号> that withdrew it
    corrected_by            TEXT,  -- the objection (异议编号) whose 更正 changed its values (earlier ones in objection_change)
    PRIMARY KEY (batch_id, source_row)
)
-- No FOREIGN KEY to delivery_batch: PostgreSQL checks one row by row, which halves the
-- speed of a COPY; the batch row is written in the same transaction, and reconcile_batch
-- counts the batch's rows back before it commits.
