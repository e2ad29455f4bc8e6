-- Every organisation on the court's list delivered before the cutoff (no 性别: the list's mark
-- of a natural person), each version, current or withdrawn by an objection (撤销, with the
-- day it was applied). The township monitoring groups the versions by case and debtor: listed
-- since the first delivery, still listed until its latest version is withdrawn.
SELECT r.debtor_name, r.debtor_id_no, r.legal_rep_name, r.case_no, r.court_name, r.published_date, r.performance,
       r.superseded_by, b.delivered_at, c.applied_at AS withdrawn_at
FROM rec_court_dishonest_debtor r
JOIN delivery_batch b ON b.batch_id = r.batch_id
LEFT JOIN objection_change c
       ON c.record_batch_id = r.batch_id AND c.source_row = r.source_row AND c.outcome = '撤销'
WHERE (r.sex IS NULL OR TRIM(r.sex) = '') AND b.delivered_at < :cutoff
ORDER BY b.delivered_at, r.case_no
