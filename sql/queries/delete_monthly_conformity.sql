DELETE FROM monthly_conformity WHERE month = :month
