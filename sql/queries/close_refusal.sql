-- Close a refusal by the correcting batch, unless a correction delivered earlier closed it
-- (closed_at is the closing batch's delivered_at): re-checked on the row itself, so two
-- loads racing for it leave the earlier correction.
UPDATE refused_record
SET closed_by_batch = :closed_by_batch, closed_at = :closed_at
WHERE batch_id = :batch_id AND source_row = :source_row
  AND (closed_by_batch IS NULL
       OR closed_at > :closed_at
       OR (closed_at = :closed_at AND closed_by_batch > :closed_by_batch))
