INSERT INTO monthly_conformity (
    month, department_id, batches, received, accepted, rejected, warning_count, rate_pct,
    ytd_received, ytd_rejected, ytd_rate_pct, conformity_deduction, refusals_corrected, refusals_open, computed_at
) VALUES (
    :month, :department_id, :batches, :received, :accepted, :rejected, :warning_count, :rate_pct,
    :ytd_received, :ytd_rejected, :ytd_rate_pct, :conformity_deduction, :refusals_corrected, :refusals_open, :computed_at
)
