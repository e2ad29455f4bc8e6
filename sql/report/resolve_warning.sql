UPDATE early_warning SET resolved_at = :now WHERE warning_key = :warning_key AND resolved_at IS NULL
