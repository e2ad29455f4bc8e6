INSERT INTO refused_record (batch_id, source_row, record_json)
VALUES (:batch_id, :source_row, :record_json)
