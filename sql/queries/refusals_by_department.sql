-- Refusals of the records delivered in a month, and how many have been corrected since.
SELECT b.department_id,
       COUNT(*) AS refused,
       SUM(CASE WHEN r.closed_by_batch IS NOT NULL THEN 1 ELSE 0 END) AS corrected
FROM refused_record r
JOIN delivery_batch b ON b.batch_id = r.batch_id
WHERE b.delivered_month = :month
GROUP BY b.department_id
