-- The credit office's own deductions recorded against the months of a range. Whenever recorded:
-- a judgement on October made in December is October's (a rebuilt report shows it).
SELECT adjustment_id, department_id, item, month, points, reason, recorded_by, recorded_at
FROM assessment_adjustment
WHERE month >= :from_month AND month <= :to_month
ORDER BY recorded_at, adjustment_id
