-- The refusals a department has not corrected yet, for one dataset.
SELECT r.batch_id, r.source_row, r.business_key
FROM refused_record r
JOIN delivery_batch b ON b.batch_id = r.batch_id
WHERE b.dataset_id = :dataset_id AND b.department_id = :department_id
  AND r.closed_by_batch IS NULL AND r.business_key IS NOT NULL
