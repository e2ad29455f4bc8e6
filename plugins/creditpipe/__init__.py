"""creditpipe: public credit information collection (信用信息归集) for a county credit office.

A house with rooms, one per stage, over a small core. A room imports only from the rooms
above it in this list (and from itself); tests/test_rooms.py reads every import and holds
the rule.

    core/           what every room shares: the catalog and the datasets' declarations,
                    settings, the county's clock, months, working days and exchange cycles,
                    identifiers, records and verdicts, the hand-offs between steps, parts on
                    disk, connections, mail, names, labels, templates
    ingest/         deliveries arriving: landing folders (the pickup rule, quarantine), pulls
                    from APIs and front-end databases, reading files (CSV scan, XLSX, JSON
                    lines, headers), splitting a delivery into parts
    quality/        judging records: the rule types (quality/rules, one module each), the
                    suites generated from the declarations, the compiled engine, Great
                    Expectations, messages, a delivery judged chunk by chunk and merged
    warehouse/      the schema and the tables generated from the declarations, the load in
                    one transaction (SQLite and PostgreSQL writers), the collection log
    notice/         the rejection notice: workbook, CSV and JSON, its draft, its e-mail
    reporting/      a month's facts, figures, scores, early warnings, the report's model and
                    its page, PDF and workbook
    orchestration/  the steps the DAGs' tasks run (one function per task, typed hand-offs in
                    and out) and the DAG factory
    devtools/       simulators, the demo, Airflow run locally, generated files (make suites)
    cli.py          the command line, over every room
"""

import os as _os

# No library phones home: Great Expectations' analytics, Scarf (Airflow's and others'
# install-time and usage pings) and the DO_NOT_TRACK convention. airflow_env.py,
# docker-compose.yml and the Makefile set the same (tests/test_personal_data.py checks).
TELEMETRY_OFF = {"GX_ANALYTICS_ENABLED": "False", "SCARF_ANALYTICS": "false", "DO_NOT_TRACK": "1"}
for _name, _value in TELEMETRY_OFF.items():
    _os.environ.setdefault(_name, _value)

__version__ = "0.1.0"

# The rooms, lowest first: each may import from those before it.
ROOMS = ("core", "ingest", "quality", "warehouse", "notice", "reporting", "orchestration", "devtools")
