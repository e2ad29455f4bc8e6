-- Runs once when the PostgreSQL volume is created: the warehouse beside Airflow's metadata.
-- The password comes from CREDITPIPE_WAREHOUSE_PASSWORD via docker/postgres-init.sh.
CREATE DATABASE creditpipe
