SELECT batch_id, outcome FROM delivered_file
WHERE dataset_id = :dataset_id AND file_sha256 = :file_sha256
