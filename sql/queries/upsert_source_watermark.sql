-- Only ever moves forward: an older pull committed late cannot rewind it.
INSERT INTO source_watermark (dataset_id, department_id, watermark, batch_id, updated_at)
VALUES (:dataset_id, :department_id, :watermark, :batch_id, :updated_at)
ON CONFLICT (dataset_id, department_id) DO UPDATE
SET watermark = excluded.watermark, batch_id = excluded.batch_id, updated_at = excluded.updated_at
WHERE excluded.watermark > source_watermark.watermark
