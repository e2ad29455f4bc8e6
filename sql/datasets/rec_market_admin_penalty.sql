-- Accepted 行政处罚 records of 市场监管 (双公示 standard), values as delivered, with lineage.
CREATE TABLE IF NOT EXISTS rec_market_admin_penalty (
    batch_id                     TEXT NOT NULL,  -- the batch (no FOREIGN KEY: see below)
    source_row                   INTEGER NOT NULL,
    party_name                   TEXT NOT NULL,
    party_category               TEXT NOT NULL,
    party_uscc                   TEXT,
    party_business_reg_no        TEXT,
    party_org_code               TEXT,
    party_tax_reg_no             TEXT,
    party_institution_cert_no    TEXT,
    party_social_org_reg_no      TEXT,
    legal_rep_name               TEXT,
    legal_rep_id_type            TEXT,
    legal_rep_id_no              TEXT,
    party_id_type                TEXT,
    party_id_no                  TEXT,
    decision_no                  TEXT NOT NULL,
    violation_type               TEXT NOT NULL,
    violation_facts              TEXT NOT NULL,
    legal_basis                  TEXT NOT NULL,
    penalty_categories           TEXT NOT NULL,
    penalty_content              TEXT NOT NULL,
    fine_amount_10k_yuan         TEXT,
    confiscated_amount_10k_yuan  TEXT,
    suspended_license            TEXT,
    decision_date                TEXT NOT NULL,
    valid_until                  TEXT NOT NULL,
    publish_until                TEXT,
    authority_name               TEXT NOT NULL,
    authority_uscc               TEXT NOT NULL,
    source_unit_name             TEXT NOT NULL,
    source_unit_uscc             TEXT NOT NULL,
    remarks                      TEXT,
    PRIMARY KEY (batch_id, source_row)
)
-- No FOREIGN KEY to delivery_batch: PostgreSQL checks one row by row, which halves the
-- speed of a COPY; the batch row is written in the same transaction, and reconcile_batch
-- counts the batch's rows back before it commits.
