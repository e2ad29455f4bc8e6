-- The county's first delivery on record, of any source, before the cutoff: the exchange (and
-- the watch over sources that never delivered) begins with it. NULL on an empty warehouse.
SELECT MIN(delivered_at) AS first_delivered_at
FROM (
    SELECT delivered_at FROM delivery_batch WHERE delivered_at < :cutoff
    UNION ALL
    SELECT delivered_at FROM delivered_file WHERE delivered_at < :cutoff
) AS deliveries
