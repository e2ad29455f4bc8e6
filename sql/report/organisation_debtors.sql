-- Debtors on the court's list that are organisations — no 性别, the list's mark of a natural
-- person (an organisation's credit code may be masked too, so * does not tell them apart) —
-- delivered in the month and still current (not replaced by a later delivery of the same case
-- and debtor); the warning rule picks government bodies.
SELECT r.debtor_name, r.debtor_id_no, r.legal_rep_name, r.case_no, r.court_name, r.published_date,
       b.batch_id, b.department_id, b.delivered_at, b.delivered_month
FROM rec_court_dishonest_debtor r
JOIN delivery_batch b ON b.batch_id = r.batch_id
WHERE (r.sex IS NULL OR TRIM(r.sex) = '') AND r.superseded_by IS NULL AND b.delivered_month = :month
ORDER BY b.delivered_at, r.case_no
