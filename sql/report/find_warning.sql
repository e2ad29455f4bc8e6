-- One stored warning by its key, whatever month it was first raised in.
SELECT warning_key, rule_id, level, resolved_at, alerted_level FROM early_warning WHERE warning_key = :warning_key
