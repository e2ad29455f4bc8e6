-- 归集日志 of a month (by the day each delivery was received), oldest first.
SELECT department_id, dataset_id, channel, source, file_name, request, file_sha256, content_sha256,
       delivered_at, recorded_at, outcome, reason, batch_id, received, accepted, rejected
FROM delivered_file
WHERE delivered_month = :month
ORDER BY delivered_at, department_id, dataset_id, file_name
