-- A batch's notice published (a second publication of the same batch keeps the first row).
INSERT INTO rejection_notice (batch_id, published_at, notice_file, mailed)
VALUES (:batch_id, :published_at, :notice_file, :mailed)
ON CONFLICT (batch_id) DO NOTHING
