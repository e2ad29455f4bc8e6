-- Totals a test or an operator compares before and after a re-run.
SELECT COUNT(*) AS batches,
       COALESCE(SUM(received), 0) AS received,
       COALESCE(SUM(accepted), 0) AS accepted,
       COALESCE(SUM(rejected), 0) AS rejected
FROM delivery_batch
