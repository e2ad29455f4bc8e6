"""DAG integrity: the DAG file parses, cheaply, into one ingest DAG per catalog dataset."""

import subprocess
import sys
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}


def test_one_ingest_dag_per_dataset_and_the_monthly_dag(dagbag, catalog):
    want = {f"ingest__{ds.slug}" for ds in catalog.datasets.values()} | {"early_warning", "monthly_report"}
    assert set(dagbag.dag_ids) == want


def test_ingest_dag_shape(dagbag):
    dag = dagbag.dags["ingest__market__admin_penalty"]
    assert {t.task_id for t in dag.tasks} == {
        "market.collect",
        "market.split",
        "market.chunks_of",
        "market.check",
        "market.readable_of",
        "market.merge",
        "market.deliver.load",
        "market.deliver.send_rejection_notice",
        "market.send_owed_notices",
        "market.unreadable_of",
        "market.refuse_file",
        "market.zero_reports_of",
        "market.record_zero_report",
    }
    # A file with the header and no record takes its own way: a zero report (issue 18).
    assert dag.get_task("market.record_zero_report").upstream_task_ids == {"market.zero_reports_of"}
    assert dag.catchup is False and dag.max_active_runs == 1
    # Collected daily at 00:00 though delivered weekly: the month is in before its report.
    assert dag.schedule == "@daily"
    load = dag.get_task("market.deliver.load")
    assert [a.uri for a in load.outlets] == ["creditpipe://warehouse/market.admin_penalty"]
    # A delivery is split into chunks, each checked by its own mapped task (a worker
    # anywhere), and merged into one verdict before it is loaded.
    assert dag.get_task("market.split").upstream_task_ids == {"market.collect"}
    assert dag.get_task("market.check").upstream_task_ids == {"market.chunks_of"}
    assert dag.get_task("market.merge").upstream_task_ids == {"market.readable_of", "market.check"}
    assert dag.get_task("market.deliver.load").upstream_task_ids == {"market.merge"}
    # Load and notice are mapped together, a delivery per map index: one delivery's failed
    # load holds back no other delivery's notice (issue 16, item 5).
    assert dag.get_task("market.deliver.send_rejection_notice").upstream_task_ids == {"market.deliver.load"}
    assert type(dag.task_group_dict["market.deliver"]).__name__ == "MappedTaskGroup"
    # The notices an earlier run owes are sent whatever this run collects.
    assert dag.get_task("market.send_owed_notices").upstream_task_ids == set()
    # A file that cannot be read takes its own way: refused whole, never checked or loaded.
    assert dag.get_task("market.unreadable_of").upstream_task_ids == {"market.split"}
    assert dag.get_task("market.refuse_file").upstream_task_ids == {"market.unreadable_of"}


def test_a_dataset_delivered_by_several_departments_has_a_group_each(dagbag, catalog):
    dag = dagbag.dags["ingest__utility__arrears"]
    assert dag.schedule == "@daily"
    groups = {t.task_id.split(".")[0] for t in dag.tasks}
    assert groups == {"power", "water", "gas"}
    # Independent chains: a source that is down does not block the others.
    assert dag.get_task("water.split").upstream_task_ids == {"water.collect"}


def test_monthly_dag_takes_a_month_param(dagbag):
    dag = dagbag.dags["monthly_report"]
    assert "month" in dag.params
    assert {t.task_id for t in dag.tasks} == {"resolve_month", "compute_figures", "publish_report"}


def test_warnings_run_after_every_load_and_each_working_morning(dagbag, catalog):
    dag = dagbag.dags["early_warning"]
    from airflow.sdk import AssetAny

    timetable = dag.timetable
    # Any one dataset's load triggers it (AssetAny), not all of them together.
    assert isinstance(timetable.asset_condition, AssetAny)
    uris = {a.uri for a in timetable.asset_condition.objects}
    assert uris == {f"creditpipe://warehouse/{ds}" for ds in catalog.datasets}
    # Those loads are what the ingest DAGs emit.
    loads = {o.uri for d in dagbag.dags.values() for t in d.tasks for o in t.outlets}
    assert uris == loads
    assert timetable.timetable.expression == "0 9 * * 1-5"


def test_dag_file_parses_without_heavy_imports():
    # Parsing runs every 30 s on the dag-processor: pandas and GE load only inside tasks.
    code = (
        f"import sys; sys.path.insert(0, {str(DAGS)!r}); import runpy; runpy.run_path({str(DAGS / 'creditpipe_dags.py')!r});"
        "heavy = [m for m in ('pandas', 'great_expectations', 'openpyxl') if m in sys.modules];"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_a_new_dataset_is_configuration_only():
    """A catalog entry alone makes an ingest DAG (its suite and table come beside it)."""
    from creditpipe.core.catalog import parse_catalog
    from creditpipe.orchestration.dag_factory import build_all

    raw = {
        "departments": [{"id": "water", "name": "水务集团", "short_name": "水务"}],
        "datasets": [
            {
                "id": "water.arrears",
                "department": "water",
                "title": "水费欠费信息",
                "table": "rec_water_arrears",
                "cycle": "monthly",
                "sources": [{"department": "water", "channel": "landing"}],
                "fields": [{"name": "户号", "column": "account_no", "required": True}],
            }
        ],
        "assessment": {},
    }
    dags = build_all(parse_catalog(raw))
    dag = dags["ingest__water__arrears"]
    assert dag.schedule == "@daily"
    assert "water.deliver.load" in dag.task_ids


def test_catalog_rejects_unsafe_identifiers():
    from creditpipe.core.catalog import CatalogError, parse_catalog

    raw = {
        "departments": [{"id": "x", "name": "x", "short_name": "x"}],
        "datasets": [
            {
                "id": "x.y",
                "department": "x",
                "title": "t",
                "table": "t; DROP TABLE a",
                "fields": [{"name": "a", "column": "a"}],
            }
        ],
    }
    with pytest.raises(CatalogError, match="不是合法"):
        parse_catalog(raw)
