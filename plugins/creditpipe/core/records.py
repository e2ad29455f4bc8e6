"""What every room agrees on about a delivery's records: the columns the pipeline adds,
an issue's columns, one delivery's verdict, its batch id, and the record frames the rules
read (Arrow tables ↔ pandas frames)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

# A record's 1-based data row in the delivered file (after the header).
ROW_ID = "source_row"
# When each record reached the platform: its change time at the source for pulled records,
# the file's delivery otherwise. Checked by the 双公示 deadline rule; never stored.
PUBLISHED = "报送日期"
ISSUE_COLUMNS = [ROW_ID, "field", "rule", "severity", "message", "fix", "value"]
# GE's severities → ours: an error refuses the record and counts in the 数据不合格率,
# a warning is told to the department and counts nowhere.
SEVERITY = {"critical": "error", "warning": "warning", "info": "warning"}


def nonconformity_rate(rejected: int, received: int) -> Decimal:
    """数据不合格率 in percent: non-conforming records ÷ records delivered × 100."""
    if received <= 0:
        return Decimal(0)
    return Decimal(rejected) * 100 / Decimal(received)


def batch_id_for(dataset_id: str, content_sha256: str) -> str:
    """Deterministic, so the same records delivered again name the same batch."""
    return f"{dataset_id}:{content_sha256[:20]}"


@dataclass
class Verdict:
    """The records of one delivery and every issue found in them."""

    records: pd.DataFrame  # the delivery, with source_row (or, from a chunked check, the refused ones)
    issues: pd.DataFrame  # ISSUE_COLUMNS
    total: int | None = None  # records received, when ``records`` holds only some of them

    @property
    def received(self) -> int:
        return len(self.records) if self.total is None else self.total

    @property
    def refused_rows(self) -> set[int]:
        errors = self.issues[self.issues["severity"] == "error"]
        return set(int(r) for r in errors[ROW_ID].unique())

    @property
    def rejected(self) -> int:
        return len(self.refused_rows)

    @property
    def accepted(self) -> int:
        return self.received - self.rejected

    @property
    def warnings(self) -> int:
        return int((self.issues["severity"] == "warning").sum())

    @property
    def errors(self) -> int:
        return int((self.issues["severity"] == "error").sum())

    def accepted_records(self) -> pd.DataFrame:
        return self.records[~self.records[ROW_ID].isin(self.refused_rows)]

    def refused_records(self) -> pd.DataFrame:
        return self.records[self.records[ROW_ID].isin(self.refused_rows)]

    def summary(self) -> dict:
        return {
            "received": self.received,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "errors": self.errors,
            "warnings": self.warnings,
            "nonconformity_rate_pct": float(round(nonconformity_rate(self.rejected, self.received), 4)),
        }


# --- the day each record reached the platform ------------------------------------------


def with_published(records: pd.DataFrame, delivery_date: dt.date) -> pd.DataFrame:
    """The records with the day each reached the platform (PUBLISHED): its change time at
    the source, in county time, or the delivery's day."""
    from creditpipe.core.clock import county_day

    if PUBLISHED not in records.columns:
        return records.assign(**{PUBLISHED: delivery_date.isoformat()})
    day = county_day(records[PUBLISHED])
    return records.assign(**{PUBLISHED: day.fillna(delivery_date.isoformat()).astype(object)})


def with_published_table(records, delivery_date: dt.date):
    """``with_published`` for an Arrow records table (only that column goes through pandas)."""
    import pyarrow as pa

    from creditpipe.core.clock import county_day

    if PUBLISHED not in records.column_names:
        return records.append_column(PUBLISHED, pa.array([delivery_date.isoformat()] * records.num_rows, pa.string()))
    stamps = pd.Series(records.column(PUBLISHED).to_numpy(zero_copy_only=False), dtype=object)
    day = county_day(stamps).fillna(delivery_date.isoformat()).astype(object)
    column = pa.array(day.to_numpy(dtype=object), pa.string(), from_pandas=True)
    return records.set_column(records.column_names.index(PUBLISHED), PUBLISHED, column)


# --- records as Arrow tables and as frames ----------------------------------------------


def frame_table(frame: pd.DataFrame):
    """A records frame (ROW_ID, then strings or None) as an Arrow table of the same cells."""
    import pyarrow as pa

    columns = {}
    for name in frame.columns:
        values = frame[name]
        if name == ROW_ID:
            columns[name] = pa.array(values.to_numpy(dtype="int64"), pa.int64())
        else:
            cells = values.astype(object).to_numpy()
            try:  # the readers give str or None
                columns[name] = pa.array(cells, pa.string(), from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                columns[name] = pa.array(
                    [None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else str(v) for v in cells],
                    pa.string(),
                )
    return pa.table(columns) if columns else pa.table({ROW_ID: pa.array([], pa.int64())})


def table_frame(table) -> pd.DataFrame:
    """An Arrow records table as the frame the rules read: ROW_ID int64, cells str or None."""
    # dtype=object said outright: pandas 3 would infer its own string dtype (NaN for None).
    frame = pd.DataFrame(
        {
            name: (
                table.column(name).to_numpy()
                if name == ROW_ID
                else pd.Series(table.column(name).to_numpy(zero_copy_only=False), dtype=object)
            )
            for name in table.column_names
        }
    )
    if ROW_ID in frame.columns:
        frame[ROW_ID] = frame[ROW_ID].astype("int64")
    return frame


def text_frame(table) -> pd.DataFrame:
    """An Arrow records table as pandas' Arrow-backed ``string`` columns (missing = NA),
    without a Python object per cell: what the compiled rules read fastest."""
    import pyarrow as pa

    strings = pd.StringDtype("pyarrow")
    frame = table.to_pandas(types_mapper={pa.string(): strings, pa.large_string(): strings}.get)
    if ROW_ID in frame.columns:
        frame[ROW_ID] = frame[ROW_ID].astype("int64")
    return frame
