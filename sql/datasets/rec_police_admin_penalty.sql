-- Accepted 公安行政处罚信息（交通、消防） records (公安), values as delivered, with lineage.
-- Generated from the declaration dags/datasets/police.admin_penalty.yml by `make suites`: edit that, not this.
CREATE TABLE IF NOT EXISTS rec_police_admin_penalty (
    batch_id                    TEXT NOT NULL,  -- the batch (no FOREIGN KEY: see below)
    source_row                  INTEGER NOT NULL,
    party_name                  TEXT NOT NULL,  -- 行政相对人名称
    party_category              TEXT NOT NULL,  -- 行政相对人类别
    party_uscc                  TEXT,  -- 统一社会信用代码
    party_business_reg_no       TEXT,  -- 工商注册号
    party_org_code              TEXT,  -- 组织机构代码
    party_tax_reg_no            TEXT,  -- 税务登记号
    party_institution_cert_no   TEXT,  -- 事业单位证书号
    party_social_org_reg_no     TEXT,  -- 社会组织登记证号
    legal_rep_name              TEXT,  -- 法定代表人
    legal_rep_id_type           TEXT,  -- 法定代表人证件类型
    legal_rep_id_no             TEXT,  -- 法定代表人证件号码
    party_id_type               TEXT,  -- 证件类型
    party_id_no                 TEXT,  -- 证件号码
    decision_no                 TEXT NOT NULL,  -- 行政处罚决定书文号
    violation_type              TEXT NOT NULL,  -- 违法行为类型
    violation_facts             TEXT NOT NULL,  -- 违法事实
    legal_basis                 TEXT NOT NULL,  -- 处罚依据
    penalty_categories          TEXT NOT NULL,  -- 处罚类别
    penalty_content             TEXT NOT NULL,  -- 处罚内容
    fine_amount_10k_yuan        TEXT,  -- 罚款金额（万元）
    confiscated_amount_10k_yuan TEXT,  -- 没收违法所得、没收非法财物的金额（万元）
    suspended_license           TEXT,  -- 暂扣或吊销证照名称及编号
    decision_date               TEXT NOT NULL,  -- 处罚决定日期
    valid_until                 TEXT NOT NULL,  -- 处罚有效期
    publish_until               TEXT,  -- 公示截止期
    authority_name              TEXT NOT NULL,  -- 处罚机关
    authority_uscc              TEXT NOT NULL,  -- 处罚机关统一社会信用代码
    source_unit_name            TEXT NOT NULL,  -- 数据来源单位
    source_unit_uscc            TEXT NOT NULL,  -- 数据来源单位统一社会信用代码
    remarks                     TEXT,  -- 备注
    penalty_categories_terms    TEXT,  -- 处罚类别，标准名称，以；分隔
    superseded_by               TEXT,  -- the later batch whose record with the same business key replaced it, or 异议 <编号> that withdrew it
    corrected_by                TEXT,  -- the objection (异议编号) whose 更正 changed its values (earlier ones in objection_change)
    PRIMARY KEY (batch_id, source_row)
)
-- No FOREIGN KEY to delivery_batch: PostgreSQL checks one row by row, which halves the
-- speed of a COPY; the batch row is written in the same transaction, and reconcile_batch
-- counts the batch's rows back before it commits.
