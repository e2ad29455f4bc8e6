-- A batch loaded after a later delivery of the same business key (an older month backfilled):
-- its records arrive superseded by that later, current record. {table}, {keys} and {same_key}
-- (later.k = {table}.k AND …) come from the dataset's declaration.
UPDATE {table} SET superseded_by = (
    SELECT MIN(later.batch_id) FROM {table} later
    JOIN delivery_batch b ON b.batch_id = later.batch_id
    WHERE later.superseded_by IS NULL AND {same_key}
      AND (b.delivered_at > :delivered_at OR (b.delivered_at = :delivered_at AND b.batch_id > :batch_id)))
WHERE batch_id = :batch_id
  AND ({keys}) IN (
      SELECT {keys} FROM {table}
      WHERE superseded_by IS NULL AND batch_id IN (
          SELECT batch_id FROM delivery_batch
          WHERE dataset_id = :dataset_id
            AND (delivered_at > :delivered_at OR (delivered_at = :delivered_at AND batch_id > :batch_id))))
