-- The stored state of the month's warnings of the rules being evaluated.
SELECT warning_key, rule_id, level, resolved_at, alerted_level
FROM early_warning
WHERE month = :month
