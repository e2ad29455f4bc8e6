INSERT INTO batch_delivery_day (batch_id, delivery_day, period_day, records)
VALUES (:batch_id, :delivery_day, :period_day, :records)
