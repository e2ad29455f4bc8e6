-- Whether a file's bytes were collected already (an unreadable file's entry does not count:
-- the same bytes dropped again are read, and quarantined, again).
SELECT batch_id, outcome FROM delivered_file
WHERE dataset_id = :dataset_id AND file_sha256 = :file_sha256 AND outcome <> 'unreadable'
