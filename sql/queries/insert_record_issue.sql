INSERT INTO record_issue (batch_id, source_row, field, rule, severity, message, fix)
VALUES (:batch_id, :source_row, :field, :rule, :severity, :message, :fix)
