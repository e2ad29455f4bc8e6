"""Simulated departments: realistic synthetic records with a known set of injected errors.

A dataset may have a module of its own (``simulators/<dataset id with _>.py``); a dataset
without one gets a simulator made from its declaration (``generic``). Either provides

    ERROR_KINDS: dict[kind, (field, rule)]   each kind breaks exactly one field with one rule
    class Factory(rng, department_id, serial_base)
        .record(day) -> dict               a clean record: every catalog field (Chinese
                                           header) as a string, "" when empty
    eligible(record, kind) -> bool          whether a clean record can carry the kind
    inject(records, kind, i, rng, delivered) -> list[int]
                                           break records[i] (0-based); returns the rows
                                           broken (a duplicate breaks two: i and i + 1)

Every clean record passes every rule of the dataset's suite, so a test can check that
the refused records are exactly the injected ones, none missed, none extra."""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import json
import os
import random
from dataclasses import asdict, dataclass
from pathlib import Path

from creditpipe.core.clock import county_tz
from creditpipe.core.months import month_bounds


@dataclass(frozen=True)
class InjectedError:
    file: str
    source_row: int
    field: str
    rule: str
    kind: str


def module_for(dataset_id: str):
    """The dataset's own simulator module (``simulators/<dataset id with _>.py``) if it has
    one, else one made from its declaration (``generic``)."""
    try:
        return importlib.import_module(f"creditpipe.devtools.simulators.{dataset_id.replace('.', '_')}")
    except ModuleNotFoundError as exc:
        if not exc.name or not exc.name.endswith(dataset_id.replace(".", "_")):
            raise
    from creditpipe.core.catalog import load_catalog
    from creditpipe.devtools.simulators.generic import GenericSimulator

    return GenericSimulator(load_catalog().dataset(dataset_id))


def make_delivery(
    dataset_id: str,
    department_id: str,
    rng: random.Random,
    days: list[dt.date],
    delivered: dt.date,
    kinds: list[str],
    serial_base: int = 0,
    name: str = "delivery",
) -> tuple[list[dict], list[InjectedError]]:
    """Clean records (one per day in ``days``) with ``kinds`` injected, on distinct rows."""
    mod = module_for(dataset_id)
    factory = mod.Factory(rng, department_id, serial_base)
    records = [factory.record(day) for day in days]
    expected: list[InjectedError] = []
    used: set[int] = set()
    for kind in kinds:
        candidates = [
            i for i in range(len(records) - 1) if not {i - 1, i, i + 1} & used and mod.eligible(records[i], kind)
        ]
        if not candidates:
            raise ValueError(f"{dataset_id}: no record can carry {kind!r} (too few records?)")
        i = rng.choice(candidates)
        for row in mod.inject(records, kind, i, rng, delivered):
            used.add(row)
            field, rule = mod.ERROR_KINDS[kind]
            expected.append(InjectedError(name, row + 1, field, rule, kind))
    return records, expected


def error_plan(
    dataset_id: str, rng: random.Random, deliveries: int, extra: int = 1, total: int | None = None
) -> list[list[str]]:
    """Which kinds go into which delivery: every kind at least once plus ``extra`` at
    random or, given ``total``, that many kinds drawn at random."""
    kinds = list(module_for(dataset_id).ERROR_KINDS)
    if total is not None:
        kinds = rng.choices(kinds, k=total)
    else:
        rng.shuffle(kinds)
        kinds += rng.sample(kinds, min(extra, len(kinds)))
    return [kinds[i::deliveries] for i in range(deliveries)]


def _fixed_zip_times(path: Path) -> None:
    """openpyxl stamps the save's time on every zip member and on the document's modified
    date: fixed here, so the same records make the same bytes (a run and its re-run, or a
    reference run and the stack it is compared with, see the same file)."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as src:
        members = [(info.filename, src.read(info)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in members:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z", data)
            out.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)


def write_table(records: list[dict], path: Path, fmt: str, encoding: str = "utf-8") -> None:
    """Write records as a department would: CSV (any encoding), XLSX or JSON lines."""
    header = list(records[0].keys())
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.append(header)
        for rec in records:
            sheet.append([rec[h] or None for h in header])
        # Fixed document dates: the same records make the same workbook contents.
        book.properties.created = book.properties.modified = dt.datetime(2026, 1, 1)
        book.save(path)
        _fixed_zip_times(path)
    elif fmt == "jsonl":
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            for rec in records:
                fh.write(json.dumps({k: (v if v != "" else None) for k, v in rec.items()}, ensure_ascii=False) + "\n")
    else:
        with open(path, "w", encoding=encoding, newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\r\n")
            writer.writeheader()
            writer.writerows(records)


def expected_as_dicts(errors: list[InjectedError]) -> list[dict]:
    return [asdict(e) for e in errors]


def last_moment_of(month: str) -> dt.datetime:
    """23:59 on the month's last day: the latest change the simulators stamp in a month."""
    return dt.datetime.combine(month_bounds(month)[1], dt.time(23, 59), county_tz())


def collection_moment(month: str) -> dt.datetime:
    """When the real scheduler collects the month's last deliveries: the ingest DAGs' first
    tick after the month (00:00 on the 1st). The demo and the tests run the DAGs then."""
    from creditpipe.core.catalog import SCHEDULES
    from creditpipe.core.clock import first_run_after

    end = dt.datetime.combine(month_bounds(month)[1], dt.time(23, 59, 59), county_tz())
    return first_run_after(SCHEDULES["collect"], end)


def report_moment(month: str) -> dt.datetime:
    """When monthly_report runs for the month by its schedule (01:00 on the 1st)."""
    from creditpipe.core.catalog import SCHEDULES
    from creditpipe.core.clock import first_run_after

    return first_run_after(SCHEDULES["report"], collection_moment(month))


def spread_days(rng: random.Random, count: int, first: dt.date, last: dt.date) -> list[dt.date]:
    span = (last - first).days
    return sorted(first + dt.timedelta(days=rng.randint(0, span)) for _ in range(count))


# The four weekly files arrive the four ways departments send them.
WEEKLY_DROPS = (7, 14, 21, 28)
FILE_SHAPES = (("csv", "utf-8"), ("csv", "gb18030"), ("xlsx", None), ("csv", "utf-8-sig"))


def delivery_dates(month: str, days=WEEKLY_DROPS) -> list[dt.datetime]:
    """Drops at 16:30 county time on the given days of the month."""
    first, _ = month_bounds(month)
    return [dt.datetime.combine(first.replace(day=d), dt.time(16, 30), county_tz()) for d in days]


def generate_landing_month(
    folder: Path,
    month: str,
    seed: int,
    dataset_id: str = "market.admin_penalty",
    department_id: str = "market",
    records_per_file: tuple[int, int] = (350, 450),
    drops=WEEKLY_DROPS,
    shapes=FILE_SHAPES,
    stem: str = "行政处罚",
    error_rate: float | None = None,
) -> list[InjectedError]:
    """A month of file drops into ``folder`` (mtime = delivery time), each file covering
    the days since the previous drop. Every error kind appears at least once, unless an
    ``error_rate`` (share of records) is given."""
    rng = random.Random(f"{seed}:{dataset_id}:{department_id}:{month}")
    first, _ = month_bounds(month)
    folder.mkdir(parents=True, exist_ok=True)
    dates = delivery_dates(month, drops)
    total = None
    if error_rate is not None:
        total = max(1, round(error_rate * len(dates) * sum(records_per_file) / 2))
    plan = error_plan(dataset_id, rng, len(dates), total=total)
    # Serial numbers continue through the year, so document numbers never collide.
    serial = (first.month - 1) * 2000
    expected: list[InjectedError] = []
    for n, (delivered, (fmt, encoding)) in enumerate(zip(dates, shapes)):
        window = max(first, delivered.date() - dt.timedelta(days=6))
        count = rng.randint(*records_per_file)
        name = f"{stem}_{delivered:%Y%m%d}.{fmt}"
        records, errors = make_delivery(
            dataset_id,
            department_id,
            rng,
            spread_days(rng, count, window, delivered.date()),
            delivered.date(),
            plan[n],
            serial,
            name,
        )
        serial += count
        expected += errors
        path = folder / name
        write_table(records, path, fmt, encoding or "utf-8")
        stamp = delivered.timestamp()
        os.utime(path, (stamp, stamp))
    return expected


def generate_month(
    folder: Path, month: str, seed: int, records_per_file: tuple[int, int] = (350, 450)
) -> list[InjectedError]:
    """市场监管's month of 行政处罚 file drops (the demo's first feed)."""
    return generate_landing_month(folder, month, seed, records_per_file=records_per_file)


def stamp_changes(records: list[dict], first: dt.datetime, last: dt.datetime) -> list[dict]:
    """Give records strictly increasing change times (``updated_at``, county time) spread
    over [first, last], in list order, so a source's order is the list's order."""
    span = (last - first).total_seconds()
    step = span / max(1, len(records))
    for n, rec in enumerate(records):
        moment = first + dt.timedelta(seconds=step * n + 1)
        rec["updated_at"] = moment.replace(tzinfo=None).isoformat(timespec="microseconds")
    return records
