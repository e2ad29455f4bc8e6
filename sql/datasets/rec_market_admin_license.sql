-- Accepted 行政许可信息（双公示） records (市场监管), values as delivered, with lineage.
CREATE TABLE IF NOT EXISTS rec_market_admin_license (
    batch_id                    TEXT NOT NULL,  -- the batch (no FOREIGN KEY: see below)
    source_row                  INTEGER NOT NULL,
    party_name                  TEXT NOT NULL,
    party_category              TEXT NOT NULL,
    party_uscc                  TEXT,
    party_business_reg_no       TEXT,
    party_org_code              TEXT,
    party_tax_reg_no            TEXT,
    party_institution_cert_no   TEXT,
    party_social_org_reg_no     TEXT,
    legal_rep_name              TEXT,
    legal_rep_id_type           TEXT,
    legal_rep_id_no             TEXT,
    party_id_type               TEXT,
    party_id_no                 TEXT,
    decision_doc_name           TEXT NOT NULL,
    decision_doc_no             TEXT NOT NULL,
    license_category            TEXT NOT NULL,
    license_cert_name           TEXT,
    license_no                  TEXT,
    license_content             TEXT NOT NULL,
    decision_date               TEXT NOT NULL,
    valid_from                  TEXT NOT NULL,
    valid_until                 TEXT NOT NULL,
    authority_name              TEXT NOT NULL,
    authority_uscc              TEXT NOT NULL,
    current_status              TEXT NOT NULL,
    source_unit_name            TEXT NOT NULL,
    source_unit_uscc            TEXT NOT NULL,
    remarks                     TEXT,
    PRIMARY KEY (batch_id, source_row)
)
-- No FOREIGN KEY to delivery_batch: PostgreSQL checks one row by row, which halves the
-- speed of a COPY; the batch row is written in the same transaction, and reconcile_batch
-- counts the batch's rows back before it commits.
