-- A condition that cleared; should it come back, the credit office is alerted again.
UPDATE early_warning SET resolved_at = :now, alerted_level = NULL WHERE warning_key = :warning_key AND resolved_at IS NULL
