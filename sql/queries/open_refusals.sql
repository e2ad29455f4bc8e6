-- Every refusal still open, with when it was delivered (its age is counted in working days).
SELECT b.department_id, b.dataset_id, b.batch_id, b.file_name, b.delivered_at, b.delivered_month,
       r.source_row, r.business_key
FROM refused_record r
JOIN delivery_batch b ON b.batch_id = r.batch_id
WHERE r.closed_by_batch IS NULL
ORDER BY b.delivered_at, r.batch_id, r.source_row
