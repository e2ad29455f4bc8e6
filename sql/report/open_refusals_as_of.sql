-- Refusals open at the cutoff (an ISO timestamp, county time): delivered before it, and
-- not corrected before it.
SELECT b.department_id, b.dataset_id, b.batch_id, b.file_name, b.delivered_at, b.delivered_month,
       r.source_row, r.business_key
FROM refused_record r
JOIN delivery_batch b ON b.batch_id = r.batch_id
WHERE b.delivered_at < :cutoff
  AND (r.closed_at IS NULL OR r.closed_at >= :cutoff)
ORDER BY b.delivered_at, r.batch_id, r.source_row
