SELECT month, department_id, batches, received, accepted, rejected, warning_count, rate_pct,
       ytd_received, ytd_rejected, ytd_rate_pct, conformity_deduction, refusals_corrected, refusals_open, computed_at
FROM monthly_conformity
WHERE month = :month
ORDER BY department_id
