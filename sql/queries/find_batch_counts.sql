-- A batch's counts as registered, and the refused records actually stored for it.
SELECT b.received, b.accepted, b.rejected,
       (SELECT COUNT(*) FROM refused_record r WHERE r.batch_id = b.batch_id) AS refused_stored
FROM delivery_batch b
WHERE b.batch_id = :batch_id
