# creditpipe — the two commands a fresh machine needs are `make demo` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MONTH  ?= $(shell date -d "$$(date +%Y-%m-01) -1 month" +%Y-%m)

# No library phones home (creditpipe.TELEMETRY_OFF; docker-compose.yml sets the same).
export GX_ANALYTICS_ENABLED := False
export SCARF_ANALYTICS := false
export DO_NOT_TRACK := 1
export AIRFLOW__CORE__LOAD_EXAMPLES := False

.PHONY: install system-deps demo test test-fast test-faults lint suites airflow-ui constraints clean bench prod-smoke

install: system-deps $(STAMP)

## Debian packages the reports need (CJK font, Pango for the PDF, Chromium for the browser
## tests); does nothing when they are there, and only warns when it cannot install them.
system-deps:
	@bash scripts/system-deps.sh

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11（$(PYTHON) 未找到）：请安装 python3.11 后重试" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	@touch $(STAMP)

## Runs the county's month end to end on the embedded warehouse and prints the outputs.
demo: system-deps install
	$(BIN)/creditpipe demo --month $(MONTH)

## The whole test suite (unit, warehouse on PostgreSQL, DAGs through Airflow), after the lint;
## then the production shape (make prod-smoke).
test: system-deps install lint
	$(BIN)/python -m pytest -q -p no:cacheprovider
	$(MAKE) --no-print-directory prod-smoke

## docker-compose.yml's production shape run as processes (PostgreSQL metadata, Redis broker,
## api-server, scheduler, dag-processor, triggerer, two Celery workers), driven through the
## REST API and checked against dag.test() of the same month (README "Production").
prod-smoke: install
	$(BIN)/creditpipe prod-smoke

## ruff: the linter and the formatter's check (configured in pyproject.toml); `ruff format`
## and `ruff check --fix` put most of it right.
lint: install
	$(BIN)/ruff check --no-cache plugins tests bench dags scripts
	$(BIN)/ruff format --check --no-cache plugins tests bench dags scripts

## Each dataset's GE suite (expectations/) and table (sql/datasets/), generated from its
## declaration in dags/datasets/ (a test fails when they are stale).
suites: install
	$(BIN)/creditpipe suites

test-fast: install
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not airflow"

## Issue 7's guarantees: the bad-input corpus, killed loads, re-runs, sources down, the
## collection log, personal data and credentials (tests marked `faults`; needs PostgreSQL).
test-faults: install
	$(BIN)/python -m pytest -q -p no:cacheprovider -m faults

## The Airflow UI on http://localhost:8080 against the demo's state (see README).
airflow-ui: install
	$(BIN)/creditpipe airflow-ui

constraints:
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^creditpipe' > /tmp/creditpipe-freeze.txt
	{ sed -n '1,/^$$/p' constraints.txt | grep '^#'; cat /tmp/creditpipe-freeze.txt; } > constraints.txt.new && mv constraints.txt.new constraints.txt

clean:
	rm -rf var

## Issue 6's figures (bench/README.md): builds its data in bench/data/, prints one JSON line
## last. Quick check: make bench BENCH_SIZES=0.05,0.1,0.2 (millions of records).
bench: install
	$(BIN)/python bench/run.py
