-- What each source reported, for timeliness (信息时效性), of what reached the platform before
-- the cutoff: its records, by the day that places them in an exchange period and the day they
-- were made available; and its zero reports (本期无数据), by the days they answer and the day
-- they were given.
SELECT b.dataset_id, b.department_id, d.period_day AS covers_from, d.period_day AS covers_until,
       MIN(d.delivery_day) AS reported_day
FROM delivery_batch b
JOIN batch_delivery_day d ON d.batch_id = b.batch_id
WHERE b.delivered_at < :cutoff AND d.period_day >= :from_day AND d.period_day <= :to_day
GROUP BY b.dataset_id, b.department_id, d.period_day
UNION ALL
SELECT dataset_id, department_id, covers_from, covers_until, MIN(reported_day) AS reported_day
FROM zero_report
WHERE reported_at < :cutoff AND covers_until >= :from_day AND covers_from <= :to_day
GROUP BY dataset_id, department_id, covers_from, covers_until
