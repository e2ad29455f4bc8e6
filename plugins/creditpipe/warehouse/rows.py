"""A record's cells as the warehouse stores them — text, or None for a blank — read from a
part's frame or Arrow table a column at a time; and a record's business key (its key
fields stripped and joined by |), by which a corrected record closes its refusal."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionDtype
from pandas.core.dtypes.cast import maybe_box_native  # what to_dict does to a cell

from creditpipe.core.catalog import Dataset
from creditpipe.core.records import ROW_ID, table_frame


def _nullable(value):
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def texts_of(values: pd.Series | None, n: int) -> np.ndarray:
    """``_nullable`` of every cell of a column as ``DataFrame.to_dict("records")`` hands it
    over (None when the frame has no such column), in bulk: the cells are converted one by
    one only when they are not all text, None or NaN."""
    if values is None:
        return np.full(n, None, dtype=object)
    if values.dtype == object or isinstance(values.dtype, ExtensionDtype):  # to_dict boxes these

        def cell(v):
            return _nullable(maybe_box_native(v))
    else:
        cell = _nullable
    out = values.to_numpy(dtype=object, copy=True)
    missing = pd.isna(out)  # None and NaN, but also NaT and pd.NA, which are not alike
    if missing.any():
        where = np.flatnonzero(missing)
        if all(k is type(None) or issubclass(k, float) for k in set(map(type, out[where]))):
            out[where] = None
        else:
            out[where] = [cell(v) for v in out[where]]
        where = np.flatnonzero(~missing)
    else:
        where = slice(None)
    present = out[where]
    if len(present) and set(map(type, present)) != {str}:
        out[where] = [cell(v) for v in present]
    return out


def field_texts(frame: pd.DataFrame, names) -> list[np.ndarray]:
    return [texts_of(frame[name] if name in frame.columns else None, len(frame)) for name in names]


def cells_of(values: pd.Series) -> list:
    """A column's cells as ``DataFrame.to_dict("records")`` hands them over."""
    cells = values.tolist()
    if (values.dtype == object or isinstance(values.dtype, ExtensionDtype)) and set(map(type, cells)) - {str}:
        cells = [maybe_box_native(v) for v in cells]
    return cells


def rows_of(frame: pd.DataFrame) -> list[int]:
    return [int(v) for v in cells_of(frame[ROW_ID])]


def _joined_key(parts) -> str | None:
    if not parts or any(p is None or not p.strip() for p in parts):
        return None
    return "|".join(p.strip() for p in parts)


def business_key(dataset: Dataset, rec: dict) -> str | None:
    """The record's business key as one text (parts joined by |), None when a part is
    missing: such a refusal cannot be matched and waits for a record with the key."""
    return _joined_key([_nullable(rec.get(f)) for f in dataset.business_key])


def business_keys(dataset: Dataset, frame: pd.DataFrame, texts: dict | None = None) -> list[str | None]:
    """``business_key`` of every record of the frame, column by column."""
    if not dataset.business_key:
        return [None] * len(frame)
    if texts is None:
        texts = dict(zip(dataset.business_key, field_texts(frame, dataset.business_key)))
    parts = [texts[f] for f in dataset.business_key]
    if len(parts) == 1:  # most datasets: no tuple per record to join
        return [None if p is None or not (key := p.strip()) else key for p in parts[0]]
    return [_joined_key(record) for record in zip(*parts)]


def is_arrow(records) -> bool:
    return not isinstance(records, pd.DataFrame)


def frame_of(records) -> pd.DataFrame:
    """A part as a frame (the load also takes Arrow tables: see ``load_batch_parts``)."""
    if is_arrow(records):
        return table_frame(records)
    return records


def waiting_keys_in(dataset: Dataset, table, waiting: set) -> set:
    """``business_key`` (parts stripped, joined by |, none when a part is blank) of an
    Arrow part's records, kept only where an open refusal waits for it, by Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = []
    for f in dataset.business_key:
        column = table.column(f) if f in table.column_names else pa.nulls(len(table), pa.string())
        stripped = pc.utf8_trim_whitespace(column.cast(pa.string()))
        parts.append(pc.if_else(pc.equal(stripped, ""), pa.scalar(None, pa.string()), stripped))
    keys = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, "|")  # null if any is
    hit = pc.is_in(keys, value_set=pa.array(sorted(waiting), pa.string()))
    return set(pc.filter(keys, hit).to_pylist())
