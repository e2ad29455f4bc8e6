#!/usr/bin/env bash
# Runs once, when the PostgreSQL volume is new (the image's entrypoint runs the files of
# /docker-entrypoint-initdb.d only then): the warehouse's role and database beside Airflow's
# metadata database (POSTGRES_DB). The password comes from CREDITPIPE_WAREHOUSE_PASSWORD.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v pw="$CREDITPIPE_WAREHOUSE_PASSWORD" <<'SQL'
CREATE ROLE creditpipe LOGIN PASSWORD :'pw';
CREATE DATABASE creditpipe OWNER creditpipe;
SQL
