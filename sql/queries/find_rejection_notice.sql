-- Whether a batch's notice has been published.
SELECT published_at FROM rejection_notice WHERE batch_id = :batch_id
