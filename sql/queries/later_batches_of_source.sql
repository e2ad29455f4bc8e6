-- The batches of one source delivered after a given one (by delivered_at, then batch_id),
-- earliest first: an out-of-order load checks whether they corrected its refusals.
SELECT batch_id, delivered_at
FROM delivery_batch
WHERE dataset_id = :dataset_id AND department_id = :department_id
  AND (delivered_at > :delivered_at OR (delivered_at = :delivered_at AND batch_id > :batch_id))
ORDER BY delivered_at, batch_id
