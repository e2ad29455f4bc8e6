-- Whether the dataset has loaded records from deliveries before, and after, a batch's: a
-- first load (or one in order) skips the matching of business keys it cannot need.
SELECT
    EXISTS (SELECT 1 FROM delivery_batch
            WHERE dataset_id = :dataset_id AND batch_id <> :batch_id AND accepted > 0
              AND (delivered_at < :delivered_at OR (delivered_at = :delivered_at AND batch_id < :batch_id))) AS earlier,
    EXISTS (SELECT 1 FROM delivery_batch
            WHERE dataset_id = :dataset_id AND batch_id <> :batch_id AND accepted > 0
              AND (delivered_at > :delivered_at OR (delivered_at = :delivered_at AND batch_id > :batch_id))) AS later
