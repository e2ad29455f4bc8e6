SELECT batch_id, received, accepted, rejected, error_count, warning_count
FROM delivery_batch
WHERE dataset_id = :dataset_id AND content_sha256 = :content_sha256
