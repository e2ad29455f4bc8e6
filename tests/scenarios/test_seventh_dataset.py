"""A seventh dataset is one declaration and one generate command: added to a copy of the
project (no new module, no simulator, no suite or table written by hand), it runs end to
end through Airflow — collected, split, checked, merged, loaded, its notice written — and
its figures are in the month's report."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.airflow
REPO = Path(__file__).resolve().parents[2]
MONTH = "2026-08"
DECLARATION = """\
# 市场监管 食品安全监督抽检信息: the county's sampling results, a workbook or CSV a month.
id: market.food_sampling
title: 食品安全监督抽检信息
standard: 食品安全监督抽检信息公布规范（本县）
table: rec_market_food_sampling
cycle: monthly
sources:
  - {department: market, channel: landing}
business_key: [抽检编号]
fields:
  - name: 抽检编号
    column: sampling_no
    required: true
    checks:
      - format:
          rule: sampling_no_format
          regex: '^[A-Z]{2}[0-9]{14}$'
          examples: [SC26320281000123, NC26320281004567, DC26320281000089]
          source: 抽样单编号：2位字母（抽检类别）加14位数字
          fix: 请按抽样单上的编号填写（2位大写字母加14位数字）
  - name: 被抽样单位名称
    column: sampled_unit_name
    required: true
  - name: 被抽样单位统一社会信用代码
    column: sampled_unit_uscc
    required: true
    checks: [uscc]
  - name: 样品名称
    column: sample_name
    required: true
    examples: [大米, 鸡蛋, 散装白酒, 鲜猪肉, 豆腐, 酱油]
  - name: 抽样日期
    column: sampled_date
    required: true
    checks: [date, {not_future: {reason: 抽样不可能尚未进行}}]
  - name: 检验结论
    column: conclusion
    required: true
    checks: [{enum: {values: [合格, 不合格]}}]
  - name: 不合格项目
    column: failed_items
    required_when:
      when: {检验结论: 不合格}
      message: 检验结论为不合格，但未填写{field}
      fix: 请填写检验不合格的项目
    examples: [菌落总数, 铅（以Pb计）, 酸价]
  - name: 样品金额（元）
    column: sample_cost_yuan
    checks: [amount]
rules:
  - {unique: [抽检编号], fix: 同一抽检编号只报送一条}
"""


@pytest.fixture
def project(tmp_path):
    """A copy of the project (its catalog, declarations, suites, tables and DAG file)
    with the seventh dataset's declaration added and `creditpipe suites` run."""
    root = tmp_path / "project"
    for part in ("dags", "sql", "expectations"):
        shutil.copytree(REPO / part, root / part, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "dags" / "datasets" / "market.food_sampling.yml").write_text(DECLARATION, encoding="utf-8")
    env = {**os.environ, "CREDITPIPE_PROJECT_DIR": str(root)}
    done = subprocess.run([sys.executable, "-m", "creditpipe.cli", "suites"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (root / "expectations" / "market.food_sampling.json").is_file()
    assert (root / "sql" / "datasets" / "rec_market_food_sampling.sql").is_file()
    return root


def test_a_seventh_dataset_declared_once_runs_end_to_end(project, tmp_path, pg_database, monkeypatch):
    from conftest import _reset

    from creditpipe.devtools.airflow_env import airflow_env, dag_test_many, migrate
    from creditpipe.devtools.simulators import collection_moment, expected_as_dicts, generate_landing_month, module_for
    from creditpipe.warehouse.schema import connect

    monkeypatch.setenv("CREDITPIPE_PROJECT_DIR", str(project))
    engine = connect(pg_database)
    _reset(engine)
    home = tmp_path / "home"
    # Its records and known errors come from the simulator made from its declaration.
    assert type(module_for("market.food_sampling")).__name__ == "GenericSimulator"
    expected = generate_landing_month(
        home / "landing" / "market" / "food_sampling",
        MONTH,
        seed=7,
        dataset_id="market.food_sampling",
        department_id="market",
        records_per_file=(40, 60),
        drops=(10, 24),
        shapes=(("xlsx", None), ("csv", "gb18030")),
        stem="食品抽检",
        error_rate=0.05,
    )
    assert expected

    env = airflow_env(home, warehouse_url=pg_database)
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(project / "dags")
    migrate(env)
    until = collection_moment(MONTH)
    states = dag_test_many(
        [
            ("ingest__market__food_sampling", until.isoformat(), None),
            ("monthly_report", "2026-09-01T01:00:00+08:00", None),
        ],
        env,
    )
    assert [s["state"] for s in states] == ["success", "success"]

    with engine.connect() as conn:
        batches = conn.execute(
            sa.text("SELECT file_name, received, accepted, rejected FROM delivery_batch WHERE dataset_id = :d"),
            {"d": "market.food_sampling"},
        ).all()
        refused = {
            tuple(r)
            for r in conn.execute(
                sa.text(
                    "SELECT b.file_name, i.source_row, i.field, i.rule FROM record_issue i JOIN delivery_batch b "
                    "ON b.batch_id = i.batch_id WHERE i.severity = 'error'"
                )
            )
        }
        stored = conn.execute(sa.text("SELECT COUNT(*) FROM rec_market_food_sampling")).scalar_one()
    # Collected, split, checked, merged, loaded: every record accounted for, exactly the
    # injected errors refused.
    assert len(batches) == 2 and all(received == accepted + rejected for _, received, accepted, rejected in batches)
    assert stored == sum(b[2] for b in batches)
    assert refused == {(e["file"], e["source_row"], e["field"], e["rule"]) for e in expected_as_dicts(expected)}
    # Its notices in 市场监管's outbox.
    assert len(list((home / "outbox" / "market" / MONTH).glob("*/rejection_notice.xlsx"))) == 2
    # Its figures in the month's report.
    report = json.loads((home / "reports" / MONTH / "report.json").read_text(encoding="utf-8"))
    market = next(d for d in report["departments"] if d["department_id"] == "market")
    assert market["month"]["received"] == sum(b[1] for b in batches)
    assert market["month"]["rejected"] == sum(b[3] for b in batches)
    assert {r["rule"] for r in report["rules"] if r["department_id"] == "market"} >= {
        e["rule"] for e in expected_as_dicts(expected)
    }
    assert any(g["dataset"] == "食品安全监督抽检信息" for g in report["open_refusals"])
    engine.dispose()
