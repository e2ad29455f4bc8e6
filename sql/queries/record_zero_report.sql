-- A zero report answers its days once: the first word counts (a re-run adds nothing).
INSERT INTO zero_report (dataset_id, department_id, covers_from, covers_until, reported_day, reported_at, how, file_name)
VALUES (:dataset_id, :department_id, :covers_from, :covers_until, :reported_day, :reported_at, :how, :file_name)
ON CONFLICT DO NOTHING
