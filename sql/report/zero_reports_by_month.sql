-- The months in which each source gave a zero report (本期无数据), of those before the cutoff.
SELECT DISTINCT dataset_id, department_id, SUBSTR(reported_day, 1, 7) AS month
FROM zero_report
WHERE reported_at < :cutoff AND SUBSTR(reported_day, 1, 7) >= :from_month AND SUBSTR(reported_day, 1, 7) <= :to_month
