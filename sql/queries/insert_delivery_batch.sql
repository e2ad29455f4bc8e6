INSERT INTO delivery_batch (
    batch_id, dataset_id, department_id, file_name, file_sha256, content_sha256, file_format, encoding,
    delivered_at, delivered_month, processed_at,
    received, accepted, rejected, error_count, warning_count
) VALUES (
    :batch_id, :dataset_id, :department_id, :file_name, :file_sha256, :content_sha256, :file_format, :encoding,
    :delivered_at, :delivered_month, :processed_at,
    :received, :accepted, :rejected, :error_count, :warning_count
)
