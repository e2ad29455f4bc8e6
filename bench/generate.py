"""Synthetic market.admin_penalty deliveries of any size, with ~1 % injected errors.

The simulator makes records one by one (about 20,000 a second), far too slow for 10 M.
So it makes a base of BASE_ROWS records once, in blocks of BLOCK records, each block a
make_delivery() with its own injected errors, and the delivery is that base tiled: every
copy gets fresh document numbers (the suite wants them unique), so the rows stay clean
where they were clean and broken where they were broken (a duplicated number stays
duplicated inside its copy). Files are cached in bench/data/ by size and GENERATOR."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

DATASET = "market.admin_penalty"
DEPARTMENT = "market"
GENERATOR = 1  # bump when the data changes: cached files of older generators are not reused
BLOCK = 1_000  # records per make_delivery (its error placement is quadratic in the block)
ERRORS_PER_BLOCK = 10  # error kinds per block: ~1.1 % of rows (a duplicate breaks two)
BASE_ROWS = 100_000
SEED = 20261028
DELIVERED = dt.date(2026, 10, 28)  # delivery date, also the files' mtime (see check_file)
DOC_NO = "行政处罚决定书文号"
DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass
class Generated:
    path: Path
    rows: int
    injected: list[dict]  # {source_row, field, rule, kind} of every injected error
    delivered: dt.date
    seconds: float  # 0 when the cached file was reused

    @property
    def injected_rows(self) -> set[int]:
        return {e["source_row"] for e in self.injected}


def rows_of(millions: str | float) -> int:
    """ "0.05" → 50,000; sizes are whole blocks so no duplicated pair is cut in two."""
    rows = round(float(millions) * 1_000_000 / BLOCK) * BLOCK
    if rows <= 0:
        raise ValueError(f"size {millions} M is less than one block of {BLOCK} records")
    return rows


def _base() -> tuple[pa.Table, list[dict]]:
    """BASE_ROWS records as strings ("" when empty) and their injected errors."""
    from creditpipe.devtools.simulators import error_plan, make_delivery, spread_days

    rng = random.Random(SEED)
    records, injected = [], []
    for b in range(BASE_ROWS // BLOCK):
        kinds = error_plan(DATASET, rng, 1, total=ERRORS_PER_BLOCK)[0]
        # Decided in the week before delivery: no late-publication warning on every row.
        days = spread_days(rng, BLOCK, DELIVERED - dt.timedelta(days=6), DELIVERED)
        block, errors = make_delivery(DATASET, DEPARTMENT, rng, days, DELIVERED, kinds, serial_base=b * BLOCK)
        records += block
        injected += [
            {"source_row": b * BLOCK + e.source_row, "field": e.field, "rule": e.rule, "kind": e.kind} for e in errors
        ]
    columns = list(records[0])
    table = pa.table({c: pa.array([r[c] for r in records], pa.string()) for c in columns})
    return table, injected


def _write(path: Path, rows: int) -> list[dict]:
    base, base_injected = _base()
    # 澄市监处罚〔2026〕0001号 → head 澄市监处罚〔2026〕 and serial 1; a copy t numbers its
    # rows t × BASE_ROWS + serial, 8 digits (the suite's pattern allows up to 8).
    parts = pc.extract_regex(base[DOC_NO], r"^(?P<head>.+〕)(?P<serial>\d+)号$")
    if parts.null_count:
        raise RuntimeError("a base document number is not in the simulator's format")
    head = pc.struct_field(parts, "head")
    serial = pc.cast(pc.struct_field(parts, "serial"), pa.int64())
    doc_col = base.column_names.index(DOC_NO)
    tmp = path.with_suffix(".part")
    injected: list[dict] = []
    with pacsv.CSVWriter(tmp, base.schema) as writer:
        for start in range(0, rows, BASE_ROWS):
            n = min(BASE_ROWS, rows - start)  # a whole number of blocks
            number = pc.utf8_lpad(pc.cast(pc.add(serial, start), pa.string()), 8, "0")
            doc = pc.binary_join_element_wise(head, number, pa.scalar("号"), "")
            writer.write_table(base.set_column(doc_col, DOC_NO, doc).slice(0, n))
            injected += [{**e, "source_row": e["source_row"] + start} for e in base_injected if e["source_row"] <= n]
            print(f"  generated {start + n:,}/{rows:,} rows", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    # Dropped at 16:30 county time on DELIVERED: check_file takes the delivery time from it.
    stamp = dt.datetime.combine(DELIVERED, dt.time(16, 30), ZoneInfo("Asia/Shanghai")).timestamp()
    os.utime(tmp, (stamp, stamp))
    return injected


def delivery(rows: int) -> Generated:
    """The CSV delivery of ``rows`` records, generated once and then reused."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / f"{DATASET}_{rows}_g{GENERATOR}.csv"
    meta_path = path.with_suffix(".json")
    if path.is_file() and meta_path.is_file():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        return Generated(path, rows, meta["injected"], dt.date.fromisoformat(meta["delivered"]), 0.0)
    started = time.perf_counter()
    injected = _write(path, rows)
    path.with_suffix(".part").replace(path)
    meta_path.write_text(
        json.dumps(
            {"rows": rows, "generator": GENERATOR, "delivered": DELIVERED.isoformat(), "injected": injected},
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return Generated(path, rows, injected, DELIVERED, time.perf_counter() - started)


if __name__ == "__main__":
    for size in sys.argv[1:] or ["0.05"]:
        g = delivery(rows_of(size))
        print(f"{g.path}: {g.rows:,} rows, {len(g.injected_rows):,} injected rows, {g.seconds:.1f} s")
