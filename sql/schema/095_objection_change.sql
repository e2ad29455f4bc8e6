-- What each objection (异议) changed in the warehouse, once it was handled with 更正 or 撤销:
-- one row per field corrected (its value before and after) or one per record withdrawn
-- (field_name ''). An objection is applied once: its rows here say it was.
CREATE TABLE IF NOT EXISTS objection_change (
    objection_no       TEXT NOT NULL,
    register_batch_id  TEXT NOT NULL,  -- the register delivery that carried the outcome
    dataset_id         TEXT NOT NULL,
    record_batch_id    TEXT NOT NULL,  -- the disputed record: its batch and row
    source_row         INTEGER NOT NULL,
    outcome            TEXT NOT NULL CHECK (outcome IN ('更正', '撤销')),
    field_name         TEXT NOT NULL,
    old_value          TEXT,
    new_value          TEXT,
    applied_at         TEXT NOT NULL,
    PRIMARY KEY (objection_no, field_name)
)
