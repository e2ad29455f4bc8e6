-- A batch's accepted records replace the current records of earlier deliveries with the same
-- business key; those stay in the table, marked superseded by this batch (history kept).
-- {table} and {keys} come from the dataset's declaration (plain identifiers only).
UPDATE {table} SET superseded_by = :batch_id
WHERE superseded_by IS NULL AND batch_id <> :batch_id
  AND ({keys}) IN (SELECT {keys} FROM {table} WHERE batch_id = :batch_id)
  AND batch_id IN (
      SELECT batch_id FROM delivery_batch
      WHERE dataset_id = :dataset_id
        AND (delivered_at < :delivered_at OR (delivered_at = :delivered_at AND batch_id < :batch_id)))
