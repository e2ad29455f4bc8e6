-- Refusals still open on a day: delivered by then, and not corrected by then.
SELECT b.department_id, b.dataset_id, b.batch_id, b.file_name, b.delivered_at, b.delivered_month,
       r.source_row, r.business_key
FROM refused_record r
JOIN delivery_batch b ON b.batch_id = r.batch_id
WHERE SUBSTR(b.delivered_at, 1, 10) <= :as_of_day
  AND (r.closed_at IS NULL OR SUBSTR(r.closed_at, 1, 10) > :as_of_day)
ORDER BY b.delivered_at, r.batch_id, r.source_row
