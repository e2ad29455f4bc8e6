-- The business keys of a source's refusals that are still open (no correction delivered).
SELECT DISTINCT r.business_key
FROM refused_record r
JOIN delivery_batch b ON b.batch_id = r.batch_id
WHERE b.dataset_id = :dataset_id AND b.department_id = :department_id
  AND r.business_key IS NOT NULL AND r.closed_by_batch IS NULL
