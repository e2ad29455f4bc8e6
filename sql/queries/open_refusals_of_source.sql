-- The refusals of one source (dataset, department) that a batch may close: those of batches
-- delivered before it (by delivered_at, then batch_id), still open or closed by a batch
-- delivered after it. A refusal is closed by the first correction delivered, whatever the
-- order the batches were loaded in (parallel loads, a late re-run).
SELECT r.batch_id, r.source_row, r.business_key
FROM refused_record r
JOIN delivery_batch b ON b.batch_id = r.batch_id
WHERE b.dataset_id = :dataset_id AND b.department_id = :department_id
  AND r.business_key IS NOT NULL
  AND (b.delivered_at < :delivered_at OR (b.delivered_at = :delivered_at AND b.batch_id < :batch_id))
  AND (r.closed_by_batch IS NULL
       OR r.closed_at > :delivered_at
       OR (r.closed_at = :delivered_at AND r.closed_by_batch > :batch_id))
