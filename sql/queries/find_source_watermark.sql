SELECT watermark FROM source_watermark
WHERE dataset_id = :dataset_id AND department_id = :department_id
