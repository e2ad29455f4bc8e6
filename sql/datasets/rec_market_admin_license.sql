-- Accepted 行政许可信息（双公示） records (市场监管), values as delivered, with lineage.
-- Generated from the declaration dags/datasets/market.admin_license.yml by `make suites`: edit that, not this.
CREATE TABLE IF NOT EXISTS rec_market_admin_license (
    batch_id                  TEXT NOT NULL,  -- the batch (no FOREIGN KEY: see below)
    source_row                INTEGER NOT NULL,
    party_name                TEXT NOT NULL,  -- 行政相对人名称
    party_category            TEXT NOT NULL,  -- 行政相对人类别
    party_uscc                TEXT,  -- 统一社会信用代码
    party_business_reg_no     TEXT,  -- 工商注册号
    party_org_code            TEXT,  -- 组织机构代码
    party_tax_reg_no          TEXT,  -- 税务登记号
    party_institution_cert_no TEXT,  -- 事业单位证书号
    party_social_org_reg_no   TEXT,  -- 社会组织登记证号
    legal_rep_name            TEXT,  -- 法定代表人
    legal_rep_id_type         TEXT,  -- 法定代表人证件类型
    legal_rep_id_no           TEXT,  -- 法定代表人证件号码
    party_id_type             TEXT,  -- 证件类型
    party_id_no               TEXT,  -- 证件号码
    decision_doc_name         TEXT NOT NULL,  -- 行政许可决定文书名称
    decision_doc_no           TEXT NOT NULL,  -- 行政许可决定文书号
    license_category          TEXT NOT NULL,  -- 许可类别
    license_cert_name         TEXT,  -- 许可证书名称
    license_no                TEXT,  -- 许可编号
    license_content           TEXT NOT NULL,  -- 许可内容
    decision_date             TEXT NOT NULL,  -- 许可决定日期
    valid_from                TEXT NOT NULL,  -- 有效期自
    valid_until               TEXT NOT NULL,  -- 有效期至
    authority_name            TEXT NOT NULL,  -- 许可机关
    authority_uscc            TEXT NOT NULL,  -- 许可机关统一社会信用代码
    current_status            TEXT NOT NULL,  -- 当前状态
    source_unit_name          TEXT NOT NULL,  -- 数据来源单位
    source_unit_uscc          TEXT NOT NULL,  -- 数据来源单位统一社会信用代码
    remarks                   TEXT,  -- 备注
    superseded_by             TEXT,  -- the later batch whose record with the same business key replaced it, or 异议 <编号> that withdrew it
    corrected_by              TEXT,  -- the objection (异议编号) whose 更正 changed its values (earlier ones in objection_change)
    PRIMARY KEY (batch_id, source_row)
)
-- No FOREIGN KEY to delivery_batch: PostgreSQL checks one row by row, which halves the
-- speed of a COPY; the batch row is written in the same transaction, and reconcile_batch
-- counts the batch's rows back before it commits.
