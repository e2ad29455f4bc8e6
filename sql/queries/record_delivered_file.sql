-- One delivery into the collection log. A file's bytes are logged once; only an unreadable
-- entry gives way (the same bytes read later, e.g. by a reader that learnt their format).
INSERT INTO delivered_file (
    dataset_id, file_sha256, file_name, department_id, channel, source, request, content_sha256,
    batch_id, outcome, reason, delivered_at, delivered_month, recorded_at, received, accepted, rejected
) VALUES (
    :dataset_id, :file_sha256, :file_name, :department_id, :channel, :source, :request, :content_sha256,
    :batch_id, :outcome, :reason, :delivered_at, :delivered_month, :recorded_at, :received, :accepted, :rejected
)
ON CONFLICT (dataset_id, file_sha256) DO UPDATE
SET file_name = excluded.file_name, department_id = excluded.department_id, channel = excluded.channel,
    source = excluded.source, request = excluded.request, content_sha256 = excluded.content_sha256,
    batch_id = excluded.batch_id, outcome = excluded.outcome, reason = excluded.reason,
    delivered_at = excluded.delivered_at, delivered_month = excluded.delivered_month,
    recorded_at = excluded.recorded_at, received = excluded.received, accepted = excluded.accepted,
    rejected = excluded.rejected
WHERE delivered_file.outcome = 'unreadable'
