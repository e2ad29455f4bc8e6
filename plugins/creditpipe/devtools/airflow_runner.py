"""Run several DAGs one after the other with ``dag.test()`` in one process:
``python -m creditpipe.devtools.airflow_runner '[["dag_id", "2026-11-01T00:00:00+08:00", {conf}], …]'``.

The demo runs eight DAGs a month; each ``airflow dags test`` pays Airflow's start-up
(imports, parsing every DAG) again, which costs more than the runs themselves. Here the
DAG file is parsed once. Each run's state is printed on a line starting with RUN_STATE;
the first run that does not succeed stops the rest (exit 1).

So that the UI (``creditpipe airflow-ui``) tells the story the demo printed, two things
``dag.test()`` leaves out are kept: each task's log, written where Airflow's file task
handler reads it (``dag.test()`` runs tasks in-process and logs only to the console), and
the run's real start (``dag.test()`` dates the run's start at its logical date, a month
before the demo ran, so every run would seem to last weeks)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
from pathlib import Path

MARKER = "RUN_STATE "


class TaskLogFile(logging.Handler):
    """Writes a task's log records as the JSON lines Airflow's task log reader parses."""

    def __init__(self, path: Path):
        super().__init__(logging.INFO)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.stream = path.open("a", encoding="utf-8")

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = {
                "timestamp": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
                "level": record.levelname.lower(),
                "event": record.getMessage(),
                "logger": record.name,
            }
            if record.exc_info:
                line["event"] += "\n" + logging.Formatter().formatException(record.exc_info)
            self.stream.write(json.dumps(line, ensure_ascii=False) + "\n")
            self.stream.flush()
        except Exception:
            self.handleError(record)

    def close(self) -> None:
        self.stream.close()
        super().close()


def _log_path(ti) -> Path:
    from airflow.configuration import conf
    from airflow.utils.helpers import log_filename_template_renderer

    return Path(conf.get("logging", "base_log_folder")) / log_filename_template_renderer()(ti=ti)


def _keep_task_logs() -> None:
    """Route each in-process task's log records to its log file while it runs."""
    import airflow.sdk.definitions.dag as dag_module

    run_task = dag_module._run_task

    def run_task_logged(*, ti, task, run_triggerer=False):
        handler = TaskLogFile(_log_path(ti))
        root = logging.getLogger()
        root.addHandler(handler)
        started = dt.datetime.now(dt.UTC)
        try:
            result = run_task(ti=ti, task=task, run_triggerer=run_triggerer)
        finally:
            state = getattr(getattr(ti, "state", None), "value", getattr(ti, "state", None))
            seconds = (dt.datetime.now(dt.UTC) - started).total_seconds()
            logging.getLogger("creditpipe.demo").info("任务结束：%s，用时 %.1f 秒", state, seconds)
            root.removeHandler(handler)
            handler.close()
        return result

    dag_module._run_task = run_task_logged


def _date_run_by_its_tasks(dag_id: str, run_id: str) -> None:
    """The run started when its first task did (not at its logical date)."""
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import func, select

    with create_session() as session:
        first = session.scalar(
            select(func.min(TaskInstance.start_date)).where(
                TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id
            )
        )
        run = session.scalar(select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id))
        if run is not None and first is not None:
            run.start_date = first
            run.queued_at = first


def main(argv: list[str]) -> int:
    runs = json.loads(argv[1])
    from airflow.models.dagbag import DagBag

    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    if bag.import_errors:
        print(MARKER + json.dumps({"error": f"DAG 文件无法解析：{bag.import_errors}"}, ensure_ascii=False), flush=True)
        return 1
    _keep_task_logs()
    for dag_id, when, conf in runs:
        dag = bag.get_dag(dag_id)
        run = dag.test(logical_date=dt.datetime.fromisoformat(when), run_conf=conf or None)
        try:
            _date_run_by_its_tasks(dag_id, run.run_id)
        except Exception as exc:  # the record of the run's start, not the run itself
            print(f"注意：{dag_id} 的运行开始时间未能更正（{type(exc).__name__}: {exc}）", file=sys.stderr)
        state = str(getattr(run.state, "value", run.state))
        print(MARKER + json.dumps({"dag_id": dag_id, "logical_date": when, "state": state}), flush=True)
        if state != "success":
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
