-- Refusals of the records delivered in a month that were corrected before the cutoff.
SELECT b.department_id, COUNT(*) AS corrected
FROM refused_record r
JOIN delivery_batch b ON b.batch_id = r.batch_id
WHERE b.delivered_month = :month AND r.closed_at IS NOT NULL AND r.closed_at < :cutoff
GROUP BY b.department_id
