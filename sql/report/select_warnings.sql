-- The month's warnings still in force, most severe first.
SELECT warning_key, rule_id, level, month, department_id, township, title, evidence, action,
       first_raised_at, last_seen_at, alerted_at
FROM early_warning
WHERE month = :month AND resolved_at IS NULL
ORDER BY CASE level WHEN '红' THEN 1 WHEN '橙' THEN 2 ELSE 3 END, department_id, warning_key
