-- Debtors on the court's list whose identifier is an organisation's (a natural person's is
-- published masked with *), delivered in the month and still current (not replaced by a later
-- delivery of the same case and debtor); the warning rule picks government bodies.
SELECT r.debtor_name, r.debtor_id_no, r.case_no, r.court_name, r.published_date,
       b.batch_id, b.department_id, b.delivered_at, b.delivered_month
FROM rec_court_dishonest_debtor r
JOIN delivery_batch b ON b.batch_id = r.batch_id
WHERE r.debtor_id_no NOT LIKE '%*%' AND r.superseded_by IS NULL AND b.delivered_month = :month
ORDER BY b.delivered_at, r.case_no
