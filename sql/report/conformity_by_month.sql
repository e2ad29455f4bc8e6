-- Records delivered, accepted and refused per department and month over a range of months.
SELECT department_id,
       delivered_month    AS month,
       COUNT(*)           AS batches,
       SUM(received)      AS received,
       SUM(accepted)      AS accepted,
       SUM(rejected)      AS rejected,
       SUM(warning_count) AS warning_count
FROM delivery_batch
WHERE delivered_month >= :from_month AND delivered_month <= :to_month
GROUP BY department_id, delivered_month
