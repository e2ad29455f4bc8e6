"""make bench: issue 6's figures on synthetic market.admin_penalty deliveries.

Progress goes to stderr; the last line on stdout is one JSON object. Sizes in millions
of records (BENCH_SIZES, default 1,5,10) play three roles by position: the first is
"1m" (verdicts against Great Expectations, read time, load against to_sql), the second
"5m" (e2e_rows_per_s) and the third "10m" (memory growth); every size runs end to end.
BENCH_GE_ROWS runs Great Expectations on only the first rows of the first size (0 skips
it). Exit status 0 whether or not targets are met; 1 only when a step failed."""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
import warnings
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import generate
import pandas as pd
import sqlalchemy as sa

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DATASET = generate.DATASET
ROLES = ("1m", "5m", "10m")
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
STARTED = time.perf_counter()


def log(message: str) -> None:
    print(f"[bench {time.perf_counter() - STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


def rss_mb(pid: int | str = "self") -> float:
    """Current resident memory of a process (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def timed(label: str, fn, *args, **kwargs):
    log(f"{label} …")
    started = time.perf_counter()
    out = fn(*args, **kwargs)
    seconds = time.perf_counter() - started
    log(f"{label}: {seconds:.1f} s (RSS {rss_mb():,.0f} MB)")
    return out, seconds


class Heartbeat:
    """Says every ``every`` seconds that a long step is still going, and its memory."""

    def __init__(self, label: str, every: float = 30.0):
        self.label, self.every, self.done = label, every, threading.Event()

    def __enter__(self):
        started = time.perf_counter()

        def beat():
            while not self.done.wait(self.every):
                log(f"  {self.label} still running: {time.perf_counter() - started:.0f} s, RSS {rss_mb():,.0f} MB")

        threading.Thread(target=beat, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.done.set()


# --- A database of our own per measurement, dropped afterwards. --------------------------


def create_database() -> tuple[str, str]:
    name = f"creditpipe_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def settle_server() -> None:
    """A CHECKPOINT before a timed load: the WAL the previous step wrote is flushed now,
    not by a checkpoint in the middle of the next measurement (a gigabyte of WAL per
    million records: left alone, it cut the COPY floor's speed by two thirds)."""
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("CHECKPOINT"))
    except sa.exc.DBAPIError as exc:  # not a superuser: measured as the server stands
        log(f"  (no CHECKPOINT: {str(exc.orig).splitlines()[0]})")
    finally:
        admin.dispose()


def drop_database(name: str) -> None:
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# --- The first size: read, verdicts against Great Expectations, load against to_sql. ------


def ge_verdict(records: pd.DataFrame, delivered: dt.date):
    """Great Expectations as its documentation shows it: ephemeral context, pandas
    dataframe asset, whole-dataframe batch definition, the suite, a ValidationDefinition
    run with COMPLETE results. Returns (issues as creditpipe words them, setup s, run s)."""
    from creditpipe.core.records import ROW_ID
    from creditpipe.quality.ge import result_rows
    from creditpipe.quality.judge import finish_issues as _finish
    from creditpipe.quality.suites import load_suite_document

    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        from creditpipe.quality.ge import define_expectations

        define_expectations()  # the suite's own expectations

        context = gx.get_context(mode="ephemeral")
        # tqdm bars would flood the log for nothing; they do not change what GE computes.
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = context.data_sources.add_pandas("bench").add_dataframe_asset("delivery")
        batch_definition = asset.add_batch_definition_whole_dataframe("whole delivery")
        doc = load_suite_document(DATASET)
        suite = context.suites.add(
            gx.ExpectationSuite(name=doc["name"], expectations=doc["expectations"], meta=doc.get("meta", {}))
        )
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(data=batch_definition, suite=suite, name="bench")
        )
    setup_s = time.perf_counter() - started
    log(f"Great Expectations on {len(records):,} records ({len(doc['expectations'])} expectations) …")
    started = time.perf_counter()
    with Heartbeat("Great Expectations"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = definition.run(
            batch_parameters={"dataframe": records},
            expectation_parameters={"delivery_date": delivered.isoformat()},
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [ROW_ID]},
        )
    run_s = time.perf_counter() - started
    log(f"Great Expectations: {run_s:.1f} s (RSS {rss_mb():,.0f} MB)")
    # Its unexpected rows worded and de-duplicated exactly as quality.ge.ge_rows does.
    return _finish(result_rows(result)), setup_s, run_s


def errors_of(issues: pd.DataFrame) -> set[tuple]:
    errors = issues[issues["severity"] == "error"]
    return set(zip(errors["source_row"].astype(int), errors["field"], errors["rule"]))


def first_size(gen: generate.Generated, ge_rows: int, out: dict) -> None:
    import pyarrow as pa

    from creditpipe.core.catalog import load_catalog
    from creditpipe.core.records import batch_id_for, text_frame, with_published_table
    from creditpipe.ingest.readers import iter_tables
    from creditpipe.quality.judge import check_records
    from creditpipe.warehouse.load import load_batch
    from creditpipe.warehouse.schema import apply_schema, connect

    dataset = load_catalog().dataset(DATASET)
    frame, out["read_csv_s"] = timed(
        f"pandas.read_csv(pyarrow) {gen.rows:,}", pd.read_csv, gen.path, dtype=str, engine="pyarrow"
    )
    del frame

    def read_records():
        """The pipeline's read (split_delivery's): the CSV through Arrow into the
        Arrow-backed text frame the rules read (check_chunk's), here in one piece."""
        tables = [with_published_table(t, gen.delivered) for t, _ in iter_tables(gen.path, dataset)]
        return text_frame(pa.concat_tables(tables))

    records, out["read_s"] = timed(f"read (Arrow CSV → text frame) {gen.rows:,}", read_records)
    verdict, out["verdict_s"] = timed(
        f"verdicts (compiled) {gen.rows:,}", check_records, records, dataset.suite, gen.delivered, engine="compiled"
    )
    out["verdict_over_read"] = round(out["verdict_s"] / out["read_s"], 3)
    out["verdict_rows_per_s"] = round(gen.rows / out["verdict_s"])
    out["refused_1m"] = verdict.rejected
    out["refused_equals_injected_1m"] = verdict.refused_rows == gen.injected_rows

    if ge_rows:
        # The very records the project judged (报送日期 filled in from the delivery date),
        # as the object columns a pandas user hands Great Expectations.
        sample = verdict.records.iloc[:ge_rows].astype(object)
        sample = sample.where(sample.notna(), None)
        if ge_rows < len(verdict.records):
            ours, out["verdict_ge_sample_s"] = timed(
                f"verdicts (compiled) {ge_rows:,}",
                check_records,
                records.iloc[:ge_rows],
                dataset.suite,
                gen.delivered,
                engine="compiled",
            )
        else:
            ours, out["verdict_ge_sample_s"] = verdict, out["verdict_s"]
        ge_issues, out["ge_setup_s"], out["ge_complete_s"] = ge_verdict(sample, gen.delivered)
        out["ge_rows"] = len(sample)
        out["ge_rows_per_s"] = round(len(sample) / out["ge_complete_s"])
        out["validate_speedup_vs_ge_complete"] = round(out["ge_complete_s"] / out["verdict_ge_sample_s"], 2)
        ge_refused = {int(r) for r in ge_issues.loc[ge_issues["severity"] == "error", "source_row"]}
        ours_issues = ours.issues
        out["verdicts_identical"] = ge_refused == ours.refused_rows and errors_of(ge_issues) == errors_of(ours_issues)
        try:  # messages and warnings too, as tests/test_verdict_engine.py holds them
            pd.testing.assert_frame_equal(
                ge_issues.reset_index(drop=True), ours_issues.reset_index(drop=True), check_dtype=False
            )
            out["issues_identical"] = True
        except AssertionError:
            out["issues_identical"] = False
        out["ge_refused"] = len(ge_refused)
        del ge_issues, sample, ours
        gc.collect()

    name, url = create_database()
    try:
        engine = connect(url)
        apply_schema(engine, load_catalog())
        accepted, refused = verdict.accepted_records(), verdict.refused_records()
        stamp = dt.datetime.combine(gen.delivered, dt.time(16, 30)).isoformat() + "+08:00"
        batch = {
            "batch_id": batch_id_for(DATASET, uuid.uuid4().hex),
            "dataset_id": DATASET,
            "department_id": generate.DEPARTMENT,
            "file_name": gen.path.name,
            "file_sha256": uuid.uuid4().hex,
            "content_sha256": uuid.uuid4().hex,
            "file_format": "csv",
            "encoding": "utf-8",
            "delivered_at": stamp,
            "delivered_month": stamp[:7],
            "processed_at": stamp,
            "received": verdict.received,
            "accepted": verdict.accepted,
            "rejected": verdict.rejected,
            "error_count": verdict.errors,
            "warning_count": verdict.warnings,
            "watermark": None,
        }
        # As the pipeline hands them over: the accepted records as Arrow (load_checked).
        accepted_arrow = pa.Table.from_pandas(accepted, preserve_index=False)
        settle_server()
        _, out["load_s"] = timed(
            f"load_batch (COPY) {len(accepted):,} accepted",
            load_batch,
            engine,
            dataset,
            batch,
            accepted_arrow,
            refused,
            verdict.issues,
        )
        # PostgreSQL's own share: the same rows as binary COPY bytes built beforehand, into
        # a table of the same columns without key or index. No load is faster on this server.
        settle_server()
        out["copy_floor_s"], _ = timed(f"COPY floor {len(accepted):,}", copy_floor, engine, dataset, accepted_arrow)
        del accepted_arrow
        accepted = accepted.astype(object)
        accepted = accepted.where(accepted.notna(), None)
        settle_server()
        _, out["to_sql_s"] = timed(
            f"DataFrame.to_sql defaults {len(accepted):,}", accepted.to_sql, "bench_to_sql", engine
        )
        out["load_rows"] = len(accepted)
        out["load_rows_per_s"] = round(len(accepted) / out["load_s"])
        out["to_sql_rows_per_s"] = round(len(accepted) / out["to_sql_s"])
        out["load_speedup_vs_to_sql"] = round(out["to_sql_s"] / out["load_s"], 2)
        out["copy_floor_rows_per_s"] = round(len(accepted) / out["copy_floor_s"])
        out["load_over_copy_floor"] = round(out["load_s"] / out["copy_floor_s"], 2)
        out["to_sql_over_copy_floor"] = round(out["to_sql_s"] / out["copy_floor_s"], 2)
        engine.dispose()
    finally:
        drop_database(name)


def copy_floor(engine, dataset, accepted) -> float:
    """The accepted records' binary COPY bytes (as warehouse._copy_arrow builds them),
    made first, then COPYed alone into an unindexed table: the server's time only."""
    import pyarrow as pa

    from creditpipe.core.records import ROW_ID
    from creditpipe.warehouse.writers import COPY_BINARY_HEADER, COPY_BINARY_TRAILER, copy_binary_rows

    n = accepted.num_rows
    arrays = [pa.array(["bench"] * n, pa.string()), accepted.column(ROW_ID)]
    arrays += [accepted.column(f).cast(pa.string()) for f in dataset.field_names]
    chunks = [copy_binary_rows([a.slice(start, 50_000) for a in arrays]) for start in range(0, n, 50_000)]
    columns = ", ".join(["batch_id", "source_row", *(f.column for f in dataset.fields)])
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE TABLE bench_copy_floor (LIKE {dataset.table})")  # no key, no index
    raw = engine.raw_connection()
    try:
        started = time.perf_counter()
        with (
            raw.driver_connection.cursor() as cur,
            cur.copy(f"COPY bench_copy_floor ({columns}) FROM STDIN (FORMAT binary)") as copy,
        ):
            copy.write(COPY_BINARY_HEADER)
            for chunk in chunks:
                copy.write(chunk)
            copy.write(COPY_BINARY_TRAILER)
        raw.driver_connection.commit()
        seconds = time.perf_counter() - started
        log(f"  COPY alone: {seconds:.1f} s (encoding apart)")
        return seconds
    finally:
        raw.close()


def server_floor(gen: generate.Generated) -> dict:
    """PostgreSQL's own time to store a whole delivery's accepted records (the injected
    rows left out) in the dataset's real table, its key and constraints included: the
    binary COPY bytes are built first, to a file, then sent alone in one transaction, in
    a fresh database after a CHECKPOINT. No end-to-end run can store them faster."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from creditpipe.core.catalog import load_catalog
    from creditpipe.core.records import ROW_ID
    from creditpipe.ingest.readers import iter_tables
    from creditpipe.warehouse.schema import apply_schema, connect
    from creditpipe.warehouse.writers import COPY_BINARY_HEADER, COPY_BINARY_TRAILER, copy_binary_rows

    dataset = load_catalog().dataset(DATASET)
    injected = pa.array(sorted(gen.injected_rows), pa.int64())
    rows = 0
    with tempfile.NamedTemporaryFile(prefix="creditpipe_bench_copy_", suffix=".bin") as staged:
        for table, _ in iter_tables(gen.path, dataset):
            table = table.filter(pc.invert(pc.is_in(table.column(ROW_ID), value_set=injected)))
            arrays = [
                pa.array(["bench"] * table.num_rows, pa.string()),
                table.column(ROW_ID),
                *(table.column(f) for f in dataset.field_names),
            ]
            for start in range(0, table.num_rows, 50_000):
                staged.write(copy_binary_rows([a.slice(start, 50_000) for a in arrays]))
            rows += table.num_rows
        staged.flush()
        name, url = create_database()
        try:
            engine = connect(url)
            apply_schema(engine, load_catalog())
            columns = ", ".join(["batch_id", "source_row", *(f.column for f in dataset.fields)])
            settle_server()
            raw = engine.raw_connection()
            try:
                started = time.perf_counter()
                with (
                    raw.driver_connection.cursor() as cur,
                    cur.copy(f"COPY {dataset.table} ({columns}) FROM STDIN (FORMAT binary)") as copy,
                    open(staged.name, "rb") as source,
                ):
                    copy.write(COPY_BINARY_HEADER)
                    for block in iter(lambda: source.read(1 << 24), b""):
                        copy.write(block)
                    copy.write(COPY_BINARY_TRAILER)
                raw.driver_connection.commit()
                seconds = time.perf_counter() - started
            finally:
                raw.close()
            engine.dispose()
        finally:
            drop_database(name)
    log(f"  PostgreSQL alone stores the {rows:,} accepted records in {seconds:.1f} s")
    return {"rows": rows, "s": round(seconds, 3), "rows_per_s": round(rows / seconds)}


# --- Every size end to end, each in its own process. ------------------------------------


def memory_cap_mb() -> int:
    """The child is stopped above this much memory: the machine is shared with CI."""
    if os.environ.get("BENCH_RSS_CAP_MB"):
        return int(os.environ["BENCH_RSS_CAP_MB"])
    with open("/proc/meminfo") as fh:
        available = next(int(line.split()[1]) for line in fh if line.startswith("MemAvailable:")) / 1024
    return int(min(16_384, 0.6 * available))


def end_to_end(gen: generate.Generated) -> dict:
    name, url = create_database()
    home = tempfile.mkdtemp(prefix="creditpipe_bench_home_")
    cap = memory_cap_mb()
    # A run slower than this is stopped: its rows/s is then at most rows / timeout.
    timeout = float(os.environ.get("BENCH_E2E_TIMEOUT_S", 1200))
    env = {**os.environ, "CREDITPIPE_WAREHOUSE_URL": url, "CREDITPIPE_HOME": home}
    env.pop("CREDITPIPE_VERDICT_ENGINE", None)  # the pipeline's default engine
    settle_server()
    log(f"end to end {gen.rows:,} in its own process (stopped above {cap:,} MB) …")
    try:
        child = subprocess.Popen(
            [sys.executable, str(BENCH / "e2e.py"), str(gen.path)], env=env, stdout=subprocess.PIPE, text=True
        )
        sampled, stopped, started = 0.0, None, time.perf_counter()
        last_said = started
        while child.poll() is None:
            now_mb = rss_mb(child.pid)
            sampled = max(sampled, now_mb)
            if now_mb > cap or time.perf_counter() - started > timeout:
                stopped = "over_cap" if now_mb > cap else "timed_out"
                child.kill()
                break
            if time.perf_counter() - last_said > 30:
                last_said = time.perf_counter()
                log(f"  end to end {gen.rows:,}: {last_said - started:.0f} s, RSS {now_mb:,.0f} MB")
            time.sleep(0.2)
        stdout, _ = child.communicate()
        lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
        steps = list({line["step"]: line for line in lines if "step" in line}.values())  # the last of each
        if stopped:
            elapsed = time.perf_counter() - started
            log(
                f"end to end {gen.rows:,}: stopped ({stopped}) after {elapsed:.0f} s at {sampled:,.0f} MB "
                f"(cap {cap:,} MB, timeout {timeout:.0f} s) after "
                f"{' → '.join(s['step'] for s in steps) or 'no step finished'}"
            )
            return {
                "rows": gen.rows,
                stopped: True,
                "cap_mb": cap,
                "timeout_s": timeout,
                "peak_rss_mb": round(sampled),
                "stopped_after_s": round(elapsed, 1),
                "rows_per_s_at_most": round(gen.rows / elapsed),
                "steps": steps,
            }
        if child.returncode != 0 or not lines or "step" in lines[-1]:
            raise RuntimeError(
                f"end to end {gen.rows:,} failed with exit status {child.returncode}"
                + (" (killed: out of memory?)" if child.returncode < 0 else "")
            )
        result = lines[-1]
        log(
            f"end to end {gen.rows:,}: {result['total_s']:.1f} s, {result['rows_per_s']:,} rows/s, "
            f"peak {result['peak_rss_mb']:,} MB"
        )
        return {"rows": gen.rows, **result}
    finally:
        drop_database(name)
        shutil.rmtree(home, ignore_errors=True)


# --- The report. ------------------------------------------------------------------------


def git_state() -> tuple[str, list[str]]:
    """HEAD (" dirty" when files outside bench/ differ from it) and those files."""

    def git(*args):
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout

    # bench/ itself is not what is measured; a change anywhere else is. Lines are "XY path".
    changed = [
        line[3:]
        for line in git("status", "--porcelain", "--", ".", ":(exclude)bench", ":(exclude)Makefile").splitlines()
        if line.strip()
    ]
    return git("rev-parse", "--short", "HEAD").strip() + (" dirty" if changed else ""), changed


def machine() -> dict:
    import great_expectations
    import pyarrow

    with open("/proc/meminfo") as fh:
        total = next(int(line.split()[1]) for line in fh if line.startswith("MemTotal:")) / 1024 / 1024
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(total, 1),
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "pyarrow": pyarrow.__version__,
        "great_expectations": great_expectations.__version__,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


# A pure-Python loop: the same work timed alone and then twice at once in two processes.
_SPIN = (
    "import time; t = time.perf_counter(); x = 0\nfor i in range(20_000_000): x += i\nprint(time.perf_counter() - t)"
)


def parallel_capacity() -> dict:
    """How much two busy processes get done together against one alone (2.0: two whole
    cores; less where the machine's cores are shared). Every figure that runs on both
    cores (the end-to-end runs, PostgreSQL beside the load) rides on it."""

    def spin(n: int) -> float:
        started = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", _SPIN], stdout=subprocess.PIPE) for _ in range(n)]
        for proc in procs:
            proc.communicate()
        return time.perf_counter() - started

    alone = min(spin(1) for _ in range(2))
    together = min(spin(2) for _ in range(2))
    return {
        "one_process_s": round(alone, 3),
        "two_processes_s": round(together, 3),
        "two_process_throughput": round(2 * alone / together, 2),
    }


def targets(out: dict) -> dict:
    def check(value, met):
        return {"value": value, "met": bool(value is not None and met)}

    speed, same = out.get("validate_speedup_vs_ge_complete"), out.get("verdicts_identical")
    ratio, load = out.get("verdict_over_read"), out.get("load_speedup_vs_to_sql")
    rss5, rss10, e2e = out.get("peak_rss_mb_5m"), out.get("peak_rss_mb_10m"), out.get("e2e_rows_per_s")
    return {
        "validate_speedup_vs_ge_complete": {
            "target": ">= 10 and verdicts_identical",
            **check(speed, speed is not None and speed >= 10 and same is True),
        },
        "verdict_over_read": {"target": "<= 2", **check(ratio, ratio is not None and ratio <= 2)},
        "load_speedup_vs_to_sql": {"target": ">= 8", **check(load, load is not None and load >= 8)},
        "peak_rss_mb_10m": {
            "target": "<= 2048 and <= 1.2 x peak_rss_mb_5m",
            **check(rss10, rss10 is not None and rss5 is not None and rss10 <= 2048 and rss10 <= 1.2 * rss5),
        },
        "e2e_rows_per_s": {"target": ">= 150000", **check(e2e, e2e is not None and e2e >= 150_000)},
    }


def main() -> int:
    sizes = [s.strip() for s in os.environ.get("BENCH_SIZES", "1,5,10").split(",") if s.strip()]
    rows = [generate.rows_of(s) for s in sizes]
    ge_rows = int(os.environ.get("BENCH_GE_ROWS", rows[0]))
    commit, changed = git_state()
    out: dict = {
        "commit": commit,
        "changed_files": changed,
        "machine": machine(),
        "sizes": dict(zip(ROLES, rows)),
        "ge_rows": ge_rows,
    }
    out["machine"]["parallel"] = parallel_capacity()
    log(f"two busy processes get {out['machine']['parallel']['two_process_throughput']}× one's work done")
    failures: list[str] = []

    def step(label: str, fn, *args):
        try:
            return fn(*args)
        except Exception as exc:  # a failed step is reported and the others still run
            traceback.print_exc()
            failures.append(f"{label}: {type(exc).__name__}: {exc}")
            log(f"{label} FAILED: {exc}")
            return None

    deliveries = []
    for n in rows:
        gen, seconds = timed(f"data {n:,} records", generate.delivery, n)
        log(
            f"  {gen.path.name}: {len(gen.injected_rows):,} injected rows"
            + (" (cached)" if not gen.seconds else f" (generated in {gen.seconds:.1f} s)")
        )
        deliveries.append(gen)
    out["injected_rows"] = {role: len(g.injected_rows) for role, g in zip(ROLES, deliveries)}
    out["injected_pct"] = round(100 * len(deliveries[0].injected_rows) / deliveries[0].rows, 3)

    # End to end first, while this process is small: the children's memory cap is a share
    # of what is available, and the first size's frames would keep gigabytes here.
    e2e = {}
    for role, gen in zip(ROLES, deliveries):
        e2e[role] = step(f"end to end {role}", end_to_end, gen)
    out["e2e"] = e2e
    step("first size", first_size, deliveries[0], ge_rows, out)
    if len(deliveries) > 1:  # the 5m delivery's records into the real table, the server alone
        out["server_floor_5m"] = step("server floor 5m", server_floor, deliveries[1])
    for role, result in e2e.items():
        if result:
            # Over the cap, the figure is where the run was stopped: a lower bound.
            out[f"peak_rss_mb_{role}"] = result["peak_rss_mb"]
            out[f"e2e_rows_per_s_{role}"] = result.get("rows_per_s")
    out["e2e_rows_per_s"] = out.get("e2e_rows_per_s_5m")
    out["targets"] = targets(out)
    for role, target in (("5m", "e2e_rows_per_s"), ("5m", "peak_rss_mb_10m"), ("10m", "peak_rss_mb_10m")):
        result = e2e.get(role) or {}
        if result.get("over_cap"):
            note = f"the {role} run was stopped at the {result['cap_mb']:,} MB memory cap: its peak is a lower bound"
        elif result.get("timed_out"):
            note = (
                f"the {role} run was stopped after {result['timeout_s']:.0f} s: "
                f"at most {result['rows_per_s_at_most']:,} rows/s, its peak so far {result['peak_rss_mb']:,} MB"
            )
        else:
            continue
        out["targets"][target].setdefault("notes", []).append(note)
    if out.get("copy_floor_rows_per_s"):
        out["targets"]["e2e_rows_per_s"].setdefault("notes", []).append(
            f"PostgreSQL alone stores {out['copy_floor_rows_per_s']:,} rows/s on this machine "
            "(copy_floor_rows_per_s: binary COPY prepared beforehand, no index): a load in one "
            "transaction per batch cannot go faster"
        )
    floor = out.get("server_floor_5m") or {}
    five = e2e.get("5m") or {}
    if floor.get("s") and five.get("rows"):
        budget = five["rows"] / 150_000
        out["e2e_rows_per_s_ceiling"] = round(five["rows"] / floor["s"])
        out["targets"]["e2e_rows_per_s"].setdefault("notes", []).append(
            f"PostgreSQL alone takes {floor['s']:.1f} s to store the 5m delivery's {floor['rows']:,} accepted "
            f"records in {DATASET}'s table (server_floor_5m: COPY bytes built beforehand, nothing else running); "
            f"150,000 rows/s allows {budget:.1f} s for the whole run, so no run that stores them on this "
            f"machine can go faster than {out['e2e_rows_per_s_ceiling']:,} rows/s (e2e_rows_per_s_ceiling); "
            f"this run's own process used {five.get('cpu_s')} CPU seconds beside the server's, and two busy "
            f"processes here get {out['machine']['parallel']['two_process_throughput']}x one's work done"
        )
    out["targets_met"] = sum(t["met"] for t in out["targets"].values())
    out["failures"] = failures
    out["bench_s"] = round(time.perf_counter() - STARTED, 1)
    for key, value in list(out.items()):
        if isinstance(value, float) and key.endswith("_s"):
            out[key] = round(value, 3)
    print(json.dumps(out, ensure_ascii=False), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
