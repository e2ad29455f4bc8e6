-- Records each source delivered over a range of months (信息覆盖率: a registered category
-- with none in the year is not provided).
SELECT dataset_id, department_id, SUM(received) AS received
FROM delivery_batch
WHERE delivered_month >= :from_month AND delivered_month <= :to_month
GROUP BY dataset_id, department_id
