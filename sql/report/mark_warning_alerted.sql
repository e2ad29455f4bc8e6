UPDATE early_warning SET alerted_at = :now, alerted_level = :level WHERE warning_key = :warning_key
