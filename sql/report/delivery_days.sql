-- Each source's delivery days in a range, of the batches delivered before the cutoff (a batch without recorded days counts on the day
-- it was delivered).
SELECT b.dataset_id, b.department_id, COALESCE(d.delivery_day, SUBSTR(b.delivered_at, 1, 10)) AS delivery_day
FROM delivery_batch b
LEFT JOIN batch_delivery_day d ON d.batch_id = b.batch_id
WHERE b.delivered_at < :cutoff
  AND COALESCE(d.delivery_day, SUBSTR(b.delivered_at, 1, 10)) >= :from_day
  AND COALESCE(d.delivery_day, SUBSTR(b.delivered_at, 1, 10)) <= :to_day
GROUP BY b.dataset_id, b.department_id, COALESCE(d.delivery_day, SUBSTR(b.delivered_at, 1, 10))
