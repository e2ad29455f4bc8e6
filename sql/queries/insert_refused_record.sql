INSERT INTO refused_record (batch_id, source_row, record_json, business_key)
VALUES (:batch_id, :source_row, :record_json, :business_key)
