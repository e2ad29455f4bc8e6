-- One change an objection made (warehouse.objections.apply_objections).
INSERT INTO objection_change (objection_no, register_batch_id, dataset_id, record_batch_id, source_row, outcome,
                              field_name, old_value, new_value, applied_at)
VALUES (:objection_no, :register_batch_id, :dataset_id, :record_batch_id, :source_row, :outcome,
        :field_name, :old_value, :new_value, :applied_at)
