-- When the platform first collected anything (of deliveries before the cutoff): the watch over
-- sources that never delivered begins then — a deployment's first unpause, loading every
-- source at once, warns of none of them while they load. NULL on an empty warehouse.
SELECT MIN(collected_at) AS first_collected_at
FROM (
    SELECT processed_at AS collected_at FROM delivery_batch WHERE delivered_at < :cutoff
    UNION ALL
    SELECT recorded_at AS collected_at FROM delivered_file WHERE delivered_at < :cutoff
) AS deliveries
