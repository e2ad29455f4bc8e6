#!/usr/bin/env bash
# Creates the warehouse role and database (the metadata database is POSTGRES_DB).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v pw="$CREDITPIPE_WAREHOUSE_PASSWORD" <<'SQL'
CREATE ROLE creditpipe LOGIN PASSWORD :'pw';
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -f /docker-entrypoint-initdb.d/20-warehouse.sql
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -c "ALTER DATABASE creditpipe OWNER TO creditpipe"
