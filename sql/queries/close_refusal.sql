UPDATE refused_record
SET closed_by_batch = :closed_by_batch, closed_at = :closed_at
WHERE batch_id = :batch_id AND source_row = :source_row AND closed_by_batch IS NULL
