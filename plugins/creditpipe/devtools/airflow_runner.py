"""Run several DAGs one after the other with ``dag.test()`` in one process:
``python -m creditpipe.devtools.airflow_runner '[["dag_id", "2026-11-01T00:00:00+08:00", {conf}], …]'``.

The demo runs eight DAGs a month; each ``airflow dags test`` pays Airflow's start-up
(imports, parsing every DAG) again, which costs more than the runs themselves. Here the
DAG file is parsed once. Each run's state is printed on a line starting with RUN_STATE;
the first run that does not succeed stops the rest (exit 1)."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys

MARKER = "RUN_STATE "


def main(argv: list[str]) -> int:
    runs = json.loads(argv[1])
    from airflow.models.dagbag import DagBag

    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    if bag.import_errors:
        print(MARKER + json.dumps({"error": f"DAG 文件无法解析：{bag.import_errors}"}, ensure_ascii=False), flush=True)
        return 1
    for dag_id, when, conf in runs:
        dag = bag.get_dag(dag_id)
        run = dag.test(logical_date=dt.datetime.fromisoformat(when), run_conf=conf or None)
        state = str(getattr(run.state, "value", run.state))
        print(MARKER + json.dumps({"dag_id": dag_id, "logical_date": when, "state": state}), flush=True)
        if state != "success":
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
