"""Rows into the warehouse on the load's own connection, inside its transaction: one
interface, two writers. PostgreSQL (psycopg 3) takes them by COPY — binary COPY built by
Arrow for a part's records; the embedded SQLite file by one executemany of the statement in
sql/queries. Values are text or None, as ever."""

from __future__ import annotations

import sqlalchemy as sa

from creditpipe.warehouse.schema import WarehouseError


class RowWriter:
    """Inserts rows into a table (``table`` and ``columns`` are this package's own names or
    the catalog's: plain identifiers only, see catalog.py)."""

    # Whether Arrow arrays go in as they are (``insert_arrow``); otherwise the caller
    # gives rows of text.
    takes_arrow = False

    def __init__(self, conn):
        self.conn = conn

    def insert(self, table: str, columns: tuple[str, ...], rows, insert_sql: str) -> None:
        """``rows``: tuples in the order of ``columns``; ``insert_sql`` the statement's
        parameterised form for writers that execute it."""
        params = [dict(zip(columns, row)) for row in rows]
        if params:
            self.conn.execute(sa.text(insert_sql), params)

    def insert_arrow(self, table: str, columns: tuple[str, ...], arrays: list) -> int:
        """Equal-length Arrow arrays, one per column; returns the rows the server reported
        it stored."""
        raise NotImplementedError


class PostgresWriter(RowWriter):
    takes_arrow = True
    # Rows of a binary COPY encoded at a time (the next slice while PostgreSQL takes this one).
    rows_per_write = 50_000

    def insert(self, table: str, columns: tuple[str, ...], rows, insert_sql: str) -> None:
        _copy(self.conn, f"COPY {table} ({', '.join(columns)}) FROM STDIN", rows)

    def insert_arrow(self, table: str, columns: tuple[str, ...], arrays: list) -> int:
        return _copy_arrow(self.conn, table, columns, arrays, self.rows_per_write)


def writer_for(conn) -> RowWriter:
    """The writer for the load's connection: COPY on PostgreSQL through psycopg 3,
    executemany elsewhere (the embedded SQLite file)."""
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        return PostgresWriter(conn)
    return RowWriter(conn)


def _copy(conn, sql: str, rows) -> None:
    dbapi = conn.dialect.loaded_dbapi
    raw = conn.connection.driver_connection  # the psycopg connection, in the load's transaction
    try:
        with raw.cursor() as cur, cur.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    except dbapi.Error as exc:
        # Raised as SQLAlchemy would have (an IntegrityError stays an IntegrityError).
        raise sa.exc.DBAPIError.instance(sql, None, exc, dbapi.Error, dialect=conn.dialect) from exc


def _copy_arrow(conn, table: str, columns: tuple[str, ...], arrays: list, rows_per_write: int = 50_000) -> int:
    """COPY … FROM STDIN (FORMAT binary) from Arrow arrays: text columns from string
    arrays, INTEGER columns from integer arrays (a record table's source_row).

    Binary, because this machine's PostgreSQL spends a third of a CSV COPY parsing the
    CSV (1 M penalty records: 12.1 s as CSV, 8.2 s as binary, server side alone); and
    built by Arrow, because psycopg's ``write_row`` costs a Python call per row, several
    times what COPY itself costs. See ``copy_binary_rows``."""
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT binary)"
    dbapi = conn.dialect.loaded_dbapi
    raw_conn = conn.connection.driver_connection  # the psycopg connection, in the load's transaction
    from concurrent.futures import ThreadPoolExecutor

    n = len(arrays[0]) if arrays else 0

    def encoded(start: int):
        return copy_binary_rows([a.slice(start, rows_per_write) for a in arrays])

    try:
        # The next slice is encoded (Arrow, without the GIL) while PostgreSQL reads this one.
        with raw_conn.cursor() as cur:
            with cur.copy(sql) as copy, ThreadPoolExecutor(1) as encoder:
                copy.write(COPY_BINARY_HEADER)
                pending = encoder.submit(encoded, 0) if n else None
                for start in range(0, n, rows_per_write):
                    data = pending.result()
                    following = start + rows_per_write  # one slice ahead, no more: memory stays flat
                    pending = encoder.submit(encoded, following) if following < n else None
                    copy.write(data)
                copy.write(COPY_BINARY_TRAILER)
            stored = cur.rowcount  # the server's own count of the rows it stored ("COPY n")
        if stored < 0:
            raise WarehouseError(f"{table}：PostgreSQL 未报告 COPY 入库的行数")
        return stored
    except dbapi.Error as exc:
        raise sa.exc.DBAPIError.instance(sql, None, exc, dbapi.Error, dialect=conn.dialect) from exc


# PostgreSQL's binary COPY: a signature, 32-bit flags and header-extension length; each
# tuple a 16-bit field count, then per field a 32-bit length (-1: NULL) and its bytes, all
# big-endian; a 16-bit -1 ends the data.
COPY_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)


COPY_BINARY_TRAILER = b"\xff\xff"


def copy_binary_rows(arrays: list):
    """The tuples of binary COPY for equal-length Arrow arrays, as one buffer: a string
    array is sent as text (its UTF-8 bytes; a null as length -1), an integer array as
    int4. Every row is joined by Arrow (``binary_join_element_wise``) from fixed-width
    prefixes numpy builds and the arrays' own bytes, so no Python object per value."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(arrays[0])
    if n == 0:
        return b""

    def fixed(values: np.ndarray, width: int):
        """Each row's ``width`` big-endian bytes as a binary array."""
        raw = pa.py_buffer(np.ascontiguousarray(values).tobytes())
        return pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), n, [None, raw]).cast(pa.binary())

    parts = [fixed(np.full(n, len(arrays), dtype=">i2"), 2)]
    for array in arrays:
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if pa.types.is_integer(array.type):
            if array.null_count:
                raise ValueError("binary COPY: an integer column holds nulls")
            values = array.to_numpy()
            if len(values) and (values.min() < -(2**31) or values.max() >= 2**31):
                raise ValueError("binary COPY: an integer does not fit an INTEGER column")
            pairs = np.empty((n, 2), dtype=">i4")
            pairs[:, 0], pairs[:, 1] = 4, values
            parts.append(fixed(pairs, 8))
            continue
        if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
            array = array.cast(pa.string())
        data = (
            array.cast(pa.binary())
            if pa.types.is_string(array.type)
            else array.cast(pa.large_binary()).cast(pa.binary())
        )
        lengths = pc.binary_length(data).fill_null(-1).to_numpy().astype(">i4")
        parts.append(fixed(lengths, 4))
        parts.append(data.fill_null(b"") if data.null_count else data)
    rows = pc.binary_join_element_wise(*parts, b"")
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32, count=n + 1, offset=rows.offset * 4)
    return rows.buffers()[2][int(offsets[0]) : int(offsets[n])]


def without_values(exc: sa.exc.DBAPIError) -> sa.exc.DBAPIError:
    """The same error (same class: an IntegrityError stays one) said without the record it
    choked on: PostgreSQL adds the failing row and the COPY line (an ID number, a name) to
    its message, which would land in the task's log. The first line names the column and
    the constraint, which is what an operator needs."""
    text = str(exc.orig if exc.orig is not None else exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    try:
        orig = type(exc.orig)(first)
    except Exception:  # a driver error class that will not take a message
        orig = RuntimeError(first)
    return type(exc)(exc.statement, None, orig, hide_parameters=True, connection_invalidated=exc.connection_invalidated)
