INSERT INTO assessment_adjustment (adjustment_id, department_id, item, month, points, reason, recorded_by, recorded_at)
VALUES (:adjustment_id, :department_id, :item, :month, :points, :reason, :recorded_by, :recorded_at)
