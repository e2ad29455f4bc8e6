-- One delivery into the collection log. Bytes that were read are logged once (a second
-- log of them, by a concurrent run, changes nothing); an unreadable delivery is a row of its
-- own each time it comes (the same row when refuse_file is retried).
INSERT INTO delivered_file (
    dataset_id, file_sha256, file_name, department_id, channel, source, request, content_sha256,
    batch_id, outcome, reason, delivered_at, delivered_month, recorded_at, received, accepted, rejected
) VALUES (
    :dataset_id, :file_sha256, :file_name, :department_id, :channel, :source, :request, :content_sha256,
    :batch_id, :outcome, :reason, :delivered_at, :delivered_month, :recorded_at, :received, :accepted, :rejected
)
ON CONFLICT DO NOTHING
