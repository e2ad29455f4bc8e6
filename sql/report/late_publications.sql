-- 双公示 records published more than the allowed working days after their decision (the
-- rule late_publication, a warning), delivered in the month.
SELECT b.department_id, b.dataset_id, b.batch_id, b.file_name, i.source_row, i.message
FROM record_issue i
JOIN delivery_batch b ON b.batch_id = i.batch_id
WHERE i.rule = 'late_publication' AND b.delivered_month = :month
ORDER BY b.department_id, b.dataset_id, b.delivered_at, i.source_row
