"""Personal data: no ID number or natural person's name from a delivery reaches a log or an
XCom value (the notices to the sending department carry them, the warehouse keeps them);
a database error does not print the record it choked on; SQL is parameterised; telemetry of
every library is off."""

import datetime as dt
import json
import logging
import os
import random
import re
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

import creditpipe
from creditpipe.core.clock import county_tz
from creditpipe.core.handoffs import UnreadableFile
from creditpipe.devtools.simulators import generate_month, make_delivery, stamp_changes, write_table
from creditpipe.devtools.simulators.frontdb import fill
from creditpipe.orchestration import steps
from creditpipe.warehouse.collection_log import collection_log
from creditpipe.warehouse.schema import table_count, totals

pytestmark = pytest.mark.faults
REPO = Path(__file__).resolve().parents[2]
ID_NUMBER = re.compile(r"\d{17}[\dXx]")
OCT1 = dt.datetime(2026, 10, 1, tzinfo=county_tz())


def personal_values(dataset, records: list[dict]) -> set[str]:
    """Every ID number and natural person's name in the records: the catalog's personal
    fields (legal representatives, ID numbers, names of persons), the name of a party that is
    a natural person, and anything that looks like an 18-digit ID number."""
    person = dataset.natural_person or {}
    found = set()
    for rec in records:
        for f in dataset.fields:
            value = str(rec.get(f.name) or "").strip()
            if not value:
                continue
            if ID_NUMBER.fullmatch(value) or (f.personal and "地址" not in f.name):
                found.add(value)
        name = str(rec.get(person.get("name_field", "")) or "").strip()
        category = person.get("category_field")
        if name and (not category or rec.get(category) == person.get("category_value")):
            found.add(name)
    return {v for v in found if len(v) >= 2}


def leaks(text: str, values: set[str]) -> list[str]:
    return sorted(v for v in values if v in text)


@pytest.fixture
def home(tmp_path, warehouse, monkeypatch):
    monkeypatch.setenv("CREDITPIPE_WAREHOUSE_URL", warehouse.url.render_as_string(hide_password=False))
    return tmp_path / "home"


def run_source(dataset_id, department, until, home) -> list:
    """Every step the ingest DAG runs, collecting what each hands the next (its XCom)."""
    xcoms = []
    refs = steps.collect(dataset_id, department, until, home)
    xcoms.append([r.to_xcom() for r in refs])
    for ref in refs:
        split = steps.split(ref.to_xcom(), home)
        xcoms.append(split.to_xcom())
        if isinstance(split, UnreadableFile):
            xcoms.append(steps.refuse_file(split.to_xcom(), home).to_xcom())
            continue
        judged = [steps.check(c.to_xcom()).to_xcom() for c in split.chunks]
        merged = steps.merge(split.to_xcom(), judged, home).to_xcom()
        loaded = steps.load(merged, home).to_xcom()
        xcoms += [judged, merged, loaded, steps.send_rejection_notice(loaded, home).to_xcom()]
    return xcoms


def test_no_id_number_or_name_in_logs_or_xcom(warehouse, home, catalog, monkeypatch, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    penalty, population = catalog.dataset("market.admin_penalty"), catalog.dataset("police.population")
    landing = home / "landing" / "market" / "admin_penalty"
    generate_month(landing, "2026-10", seed=21, records_per_file=(60, 80))
    from creditpipe.ingest.readers import read_delivery

    delivered = [r for f in sorted(landing.iterdir()) for r in read_delivery(f, penalty).records.to_dict("records")]
    secrets = personal_values(penalty, delivered)
    # A file that cannot be read, with a person in it: quarantined, its reason logged.
    broken = landing / "个人信息_断行.csv"
    person = next(r for r in delivered if r["行政相对人类别"] == "自然人")
    broken.write_text(f'行政相对人名称,证件号码\n"{person["行政相对人名称"]},{person["证件号码"]}\n', encoding="utf-8")
    stamp = (OCT1 + dt.timedelta(days=20)).timestamp()
    os.utime(broken, (stamp, stamp))

    rng = random.Random(8)
    people, _ = make_delivery(
        "police.population",
        "police",
        rng,
        [dt.date(2026, 10, 5)] * 60,
        dt.date(2026, 10, 31),
        ["id_check", "duplicate_id", "id_excel"],
    )
    stamp_changes(people, OCT1, OCT1 + dt.timedelta(days=20))
    front = f"sqlite:///{tmp_path / 'police.db'}"
    fill(front, population, "ex_population", people)
    monkeypatch.setenv("AIRFLOW_CONN_CREDITPIPE_FRONTDB_POLICE", front)
    secrets |= personal_values(population, people)
    assert len(secrets) > 100 and any(ID_NUMBER.fullmatch(s) for s in secrets)

    until = OCT1 + dt.timedelta(days=31)
    xcoms = run_source("market.admin_penalty", "market", until, home)
    xcoms += run_source("police.population", "police", until, home)

    loads = [x for x in xcoms if isinstance(x, dict) and x.get("kind") == "LoadOutcome"]
    assert sorted(x["status"] for x in loads).count("loaded") == 5
    assert any(isinstance(x, dict) and x.get("kind") == "FileRefused" for x in xcoms)
    outcomes = [x for x in xcoms if isinstance(x, dict) and x.get("kind") == "NoticeSent"]
    assert totals(warehouse)["rejected"] > 0
    assert leaks(json.dumps(xcoms, ensure_ascii=False, default=str), secrets) == []
    assert leaks(caplog.text, secrets) == []
    assert leaks(json.dumps(collection_log(warehouse, "2026-10"), ensure_ascii=False, default=str), secrets) == []
    # The sending department's own notice names its records: that is what it is for.
    notices = [x["rejections_csv"] for x in outcomes if x.get("rejections_csv")]
    assert leaks("".join(Path(n).read_text(encoding="utf-8-sig") for n in notices), secrets)


def test_a_database_error_does_not_print_the_record(warehouse, catalog):
    """PostgreSQL says which row broke a COPY, whole; SQLite's executemany would print its
    parameters. Neither reaches the error the task logs."""
    from creditpipe.core.records import ISSUE_COLUMNS, PUBLISHED, ROW_ID
    from creditpipe.warehouse.load import load_batch

    population = catalog.dataset("police.population")
    rng = random.Random(4)
    people, _ = make_delivery(
        "police.population", "police", rng, [dt.date(2026, 10, 5)] * 20, dt.date(2026, 10, 31), []
    )
    frame = pd.DataFrame(people, dtype=object)[population.field_names]
    frame.insert(0, ROW_ID, range(1, 21))
    frame[PUBLISHED] = "2026-10-06"
    frame.loc[frame.index[7], "户籍地址"] = None  # NOT NULL: the database refuses the row
    batch = {
        "batch_id": "police.population:test",
        "dataset_id": population.id,
        "department_id": "police",
        "file_name": "p.jsonl",
        "file_sha256": "a" * 64,
        "content_sha256": "b" * 64,
        "file_format": "jsonl",
        "encoding": "utf-8",
        "delivered_at": "2026-10-06T10:00:00+08:00",
        "delivered_month": "2026-10",
        "processed_at": "2026-10-06T10:00:00+08:00",
        "received": 20,
        "accepted": 20,
        "rejected": 0,
        "error_count": 0,
        "warning_count": 0,
    }
    with pytest.raises(sa.exc.IntegrityError) as err:
        load_batch(warehouse, population, batch, frame, frame.iloc[:0], pd.DataFrame(columns=ISSUE_COLUMNS))
    text = str(err.value) + repr(err.value.orig) + "".join(str(a) for a in err.value.args)
    assert "household_address" in text  # what broke is said …
    assert leaks(text, personal_values(population, people)) == []  # … without whose record
    assert err.value.__cause__ is None and err.value.__suppress_context__
    assert totals(warehouse)["batches"] == 0


INJECTION = "'); DROP TABLE delivery_batch; --"
AWKWARD = [
    INJECTION,
    "x' OR '1'='1",
    '"; DELETE FROM refused_record; --',
    "Robert'); DROP TABLE rec_market_admin_penalty;--",
    ":batch_id",
    "%(batch_id)s",
    "$1",
    "?",
]


def test_sql_is_parameterised_values_are_stored_verbatim(warehouse, home, penalty, catalog):
    from creditpipe.ingest.readers import read_delivery

    landing = home / "landing" / "market" / "admin_penalty"
    generate_month(landing, "2026-10", seed=9, records_per_file=(30, 40))
    source = sorted(landing.glob("*.csv"))[0]
    records = read_delivery(source, penalty).records.drop(columns="source_row")
    records = records.where(records.notna(), "").to_dict("records")
    for i, rec in enumerate(records):  # free-text fields, on accepted and refused records alike
        rec["违法事实"] = AWKWARD[i % len(AWKWARD)]
        rec["备注"] = INJECTION
    records[0]["行政处罚决定书文号"] = ""  # refused (required): its JSON keeps the payload too
    for f in sorted(landing.iterdir()):
        f.unlink()
    name = f"{INJECTION}.csv"
    path = landing / name.replace("/", "_")
    write_table(records, path, "csv")
    stamp = (OCT1 + dt.timedelta(days=9)).timestamp()
    os.utime(path, (stamp, stamp))

    until = OCT1 + dt.timedelta(days=31)
    [ref] = steps.collect(penalty.id, "market", until, home)
    loaded = steps.ingest_delivery(ref, home).loaded
    assert loaded.status == "loaded" and loaded.rejected >= 1

    with warehouse.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
        stored = conn.execute(
            sa.text(f"SELECT source_row, violation_facts, remarks FROM {penalty.table} ORDER BY source_row")
        ).all()
        refused = conn.execute(sa.text("SELECT source_row, record_json FROM refused_record")).all()
        batch = conn.execute(sa.text("SELECT file_name FROM delivery_batch")).scalar_one()
    assert {"delivery_batch", "refused_record", penalty.table} <= tables
    by_row = {r: (facts, remarks) for r, facts, remarks in stored}
    refused_rows = {r for r, _ in refused}
    assert len(by_row) + len(refused_rows) == len(records)
    for row, rec in enumerate(records, start=1):
        if row in by_row:
            assert by_row[row] == (rec["违法事实"], INJECTION)
    for row, record_json in refused:
        assert json.loads(record_json)["违法事实"] == records[row - 1]["违法事实"]
    assert batch == path.name and INJECTION.replace("/", "_") in batch
    assert collection_log(warehouse, "2026-10")[0]["file_name"] == path.name
    assert table_count(warehouse, "delivery_batch") == 1


# --- telemetry off ----------------------------------------------------------------------------


def test_telemetry_is_off_everywhere(tmp_path):
    import yaml

    from creditpipe.devtools.airflow_env import airflow_env

    off = creditpipe.TELEMETRY_OFF
    assert off == {"GX_ANALYTICS_ENABLED": "False", "SCARF_ANALYTICS": "false", "DO_NOT_TRACK": "1"}
    # Importing the package sets them for every library imported after it (unless set).
    for name in off:
        assert os.environ.get(name, "").lower() in ("false", "0", "1") and name in os.environ
    assert os.environ["GX_ANALYTICS_ENABLED"].lower() == "false"
    env = airflow_env(tmp_path)
    assert {k: env[k] for k in off} == off
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    common = compose["x-airflow-common"]["environment"]
    assert {k: str(common[k]) for k in off} == off
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for name, value in off.items():
        assert f"export {name} := {value}" in makefile
    # Airflow 3.3 has no usage-data section to switch off (it was removed with Scarf in 3.0):
    # if an upgrade brings one back, this fails and it must be set off here too.
    from airflow.configuration import conf

    assert not conf.has_section("usage_data_collection")


@pytest.mark.airflow
def test_an_ingest_dag_run_logs_and_pushes_no_personal_data(tmp_path, pg_database, catalog):
    """The police's population pull through Airflow (`airflow dags test`): its task logs and
    every XCom it pushed hold no ID number and no name from the front-end database."""
    from conftest import _reset

    from creditpipe.devtools.airflow_env import airflow_env, dag_test, migrate
    from creditpipe.warehouse.schema import apply_schema, connect

    engine = connect(pg_database)
    _reset(engine)
    apply_schema(engine, catalog)
    population = catalog.dataset("police.population")
    rng = random.Random(31)
    people, _ = make_delivery(
        "police.population",
        "police",
        rng,
        [dt.date(2026, 10, 5)] * 80,
        dt.date(2026, 10, 31),
        ["id_check", "duplicate_id", "id_excel", "missing_name"],
    )
    stamp_changes(people, OCT1, OCT1 + dt.timedelta(days=20))
    front = f"sqlite:///{tmp_path / 'police.db'}"
    fill(front, population, "ex_population", people)
    secrets = personal_values(population, people)
    home = tmp_path / "home"
    env = {
        **airflow_env(home, warehouse_url=pg_database),
        "AIRFLOW_CONN_CREDITPIPE_FRONTDB_POLICE": front,
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
    }
    migrate(env)
    # `dags test` runs the tasks in its own process: their logs are its output (and any files).
    out = dag_test("ingest__police__population", (OCT1 + dt.timedelta(days=30)).isoformat(), env)
    assert totals(engine)["received"] == 80 and totals(engine)["rejected"] > 0

    files = [p for p in (home / "airflow" / "logs").rglob("*") if p.is_file()]
    text = out + "".join(p.read_text(encoding="utf-8", errors="replace") for p in files)
    assert "police.population" in text and "received 80" in text  # the tasks' own lines are here
    assert leaks(text, secrets) == []
    meta = sa.create_engine(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    with meta.connect() as conn:
        values = [str(v) for v in conn.execute(sa.text("SELECT value FROM xcom")).scalars()]
    meta.dispose()
    assert any("rejections_csv" in v for v in values)  # the notice step's XCom is there …
    assert leaks("".join(values), secrets) == []  # … and names no one
    engine.dispose()
