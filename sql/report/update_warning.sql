UPDATE early_warning
SET level = :level, title = :title, evidence = :evidence, action = :action, last_seen_at = :now, resolved_at = NULL
WHERE warning_key = :warning_key
