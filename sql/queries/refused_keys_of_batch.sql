-- A batch's refused records that have a business key (a correction can match them).
SELECT source_row, business_key
FROM refused_record
WHERE batch_id = :batch_id AND business_key IS NOT NULL
