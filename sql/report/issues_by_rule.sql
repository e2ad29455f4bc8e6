-- How often each rule was broken, per department, month and severity (errors refuse the
-- record, warnings only report it).
SELECT b.department_id,
       b.delivered_month AS month,
       i.rule,
       i.severity,
       COUNT(*)          AS issues
FROM record_issue i
JOIN delivery_batch b ON b.batch_id = i.batch_id
WHERE b.delivered_month >= :from_month AND b.delivered_month <= :to_month
GROUP BY b.department_id, b.delivered_month, i.rule, i.severity
