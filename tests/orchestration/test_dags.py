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


def test_every_dag_has_a_description_and_docs(dagbag):
    """The DAG list shows what each DAG does; its page says when it runs (county time)."""
    for dag in dagbag.dags.values():
        assert dag.description, dag.dag_id
        assert not dag.dag_display_name.isascii(), dag.dag_id  # the list reads in Chinese
        assert dag.doc_md and dag.doc_md.startswith("### "), dag.dag_id
    assert dagbag.dags["ingest__utility__arrears"].dag_display_name == "公用事业欠费信息（供电、水务、燃气）"
    assert dagbag.dags["ingest__market__admin_penalty"].dag_display_name == "行政处罚信息（双公示） · 市场监管"
    assert "01:00（Asia/Shanghai" in dagbag.dags["monthly_report"].doc_md
    assert "month" in dagbag.dags["monthly_report"].doc_md  # how to re-run a month
    # The warning DAG lists every rule the catalog declares, with its action.
    assert "公开承诺未兑现" in dagbag.dags["early_warning"].doc_md


def test_task_groups_and_mapped_tasks_are_labelled_for_people(dagbag):
    dag = dagbag.dags["ingest__utility__arrears"]
    labels = {g: dag.task_group_dict[g].label for g in ("power", "water", "gas")}
    assert all("（" in label and not label.isascii() for label in labels.values()), labels
    assert dag.task_group_dict["water.deliver"].label == "入库与退回"
    for task_id in ("water.split", "water.check", "water.merge", "water.deliver.load", "water.refuse_file"):
        assert dag.get_task(task_id).map_index_template, task_id


def _project_with(tmp_path, extra: dict[str, str]) -> Path:
    """A copy of the project's dags/ (the rest linked) with extra dataset declarations."""
    import shutil

    root = DAGS.parent
    project = tmp_path / "project"
    project.mkdir()
    shutil.copytree(root / "dags", project / "dags")
    for name in ("expectations", "plugins", "sql"):
        (project / name).symlink_to(root / name)
    for name, text in extra.items():
        (project / "dags" / "datasets" / name).write_text(text, encoding="utf-8")
    return project


def test_a_wrong_catalog_entry_fails_only_its_own_dag(tmp_path):
    """Issue 20 item 2: a dataset naming an unregistered department, and a declaration that
    is not YAML, each fail their own DAG with an import error naming the entry and the fix;
    every other DAG, the monthly report and warnings included, still loads."""
    import json
    import os

    wrong_department = (
        "id: water.meter_reading\ntitle: 抄表信息\ntable: rec_water_meter_reading\n"
        "sources:\n  - {department: waterworks, channel: landing}\n"
        "fields:\n  - {name: 户号, column: account_no, required: true}\n"
    )
    project = _project_with(
        tmp_path, {"water.meter_reading.yml": wrong_department, "gas.meter.yml": "id: gas.meter\nfields: [\n"}
    )
    code = (
        "import json; from airflow.dag_processing.dagbag import DagBag;"
        f"b = DagBag(dag_folder={str(project / 'dags')!r});"
        "print(json.dumps({'dags': sorted(b.dag_ids), 'errors': b.import_errors}, ensure_ascii=False))"
    )
    env = {**os.environ, "CREDITPIPE_PROJECT_DIR": str(project)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    parsed = json.loads(out.stdout.strip().splitlines()[-1])
    assert {"early_warning", "monthly_report", "ingest__market__admin_penalty"} <= set(parsed["dags"])
    assert "ingest__water__meter_reading" not in parsed["dags"] and "ingest__gas__meter" not in parsed["dags"]
    [message] = parsed["errors"].values()
    assert "ingest__water__meter_reading" in message and "water.meter_reading.yml" in message
    assert "'waterworks' 未在 departments 中登记" in message and "请改用已登记的部门编号" in message
    assert "ingest__gas__meter" in message and "gas.meter.yml" in message and "不是有效的 YAML" in message
    assert "改正后保存即可" in message
    # The good datasets' tasks still find their declarations; the wrong one says what is wrong.
    from creditpipe.core.catalog import CatalogError, load_catalog

    catalog = load_catalog(str(project / "dags" / "catalog.yml"))
    assert set(catalog.broken) == {"water.meter_reading", "gas.meter"}
    assert catalog.dataset("market.admin_penalty").id == "market.admin_penalty"
    with pytest.raises(CatalogError, match="waterworks"):
        catalog.dataset("water.meter_reading")
