-- A source's loaded batches whose notice has not been published, checked before a moment
-- (the run's own batches, checked after it started, are its own to send), oldest first.
SELECT b.batch_id, b.file_sha256, b.received, b.accepted, b.rejected
FROM delivery_batch b
WHERE b.dataset_id = :dataset_id AND b.department_id = :department_id
  AND (CAST(:checked_before AS TEXT) IS NULL OR b.processed_at < CAST(:checked_before AS TEXT))
  AND NOT EXISTS (SELECT 1 FROM rejection_notice n WHERE n.batch_id = b.batch_id)
ORDER BY b.processed_at, b.batch_id
