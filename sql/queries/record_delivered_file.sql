INSERT INTO delivered_file (dataset_id, file_sha256, file_name, batch_id, outcome, recorded_at)
VALUES (:dataset_id, :file_sha256, :file_name, :batch_id, :outcome, :recorded_at)
ON CONFLICT (dataset_id, file_sha256) DO NOTHING
