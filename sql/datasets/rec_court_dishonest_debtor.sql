-- Accepted 失信被执行人信息 records (法院), values as delivered, with lineage.
CREATE TABLE IF NOT EXISTS rec_court_dishonest_debtor (
    batch_id            TEXT NOT NULL,  -- the batch (no FOREIGN KEY: see below)
    source_row          INTEGER NOT NULL,
    debtor_name         TEXT NOT NULL,
    case_no             TEXT NOT NULL,
    age                 TEXT,
    sex                 TEXT,
    debtor_id_no        TEXT NOT NULL,
    legal_rep_name      TEXT,
    court_name          TEXT NOT NULL,
    province            TEXT NOT NULL,
    basis_doc_no        TEXT NOT NULL,
    filing_date         TEXT NOT NULL,
    basis_issuer        TEXT NOT NULL,
    obligation          TEXT NOT NULL,
    performance         TEXT NOT NULL,
    performed_part      TEXT,
    unperformed_part    TEXT,
    dishonest_conduct   TEXT NOT NULL,
    published_date      TEXT NOT NULL,
    PRIMARY KEY (batch_id, source_row)
)
-- No FOREIGN KEY to delivery_batch: PostgreSQL checks one row by row, which halves the
-- speed of a COPY; the batch row is written in the same transaction, and reconcile_batch
-- counts the batch's rows back before it commits.
