INSERT INTO early_warning (warning_key, rule_id, level, month, department_id, township, title, evidence, action,
                           first_raised_at, last_seen_at)
VALUES (:warning_key, :rule_id, :level, :month, :department_id, :township, :title, :evidence, :action, :now, :now)
