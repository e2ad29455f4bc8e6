"""A delivery read once and split into chunks: each chunk's records to a part (Arrow IPC),
the file's facts — its hash, the records' fingerprint, the counts, the columns that are
not the standard's — to a manifest beside them. A file that cannot be read is not an
error here: it is handed on as an ``UnreadableFile``, to be refused whole."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from creditpipe.core import settings
from creditpipe.core.catalog import Dataset
from creditpipe.core.clock import county_time, file_time
from creditpipe.core.cycles import named_period, reported_period
from creditpipe.core.handoffs import ChunkRef, DeliveryRef, SplitDelivery, UnreadableFile, ZeroReport
from creditpipe.core.names import safe_name, shown_name
from creditpipe.core.parts import PART_SUFFIX, key_buckets, write_part
from creditpipe.core.records import PUBLISHED, ROW_ID, with_published_table
from creditpipe.ingest.csv_scan import csv_encoding
from creditpipe.ingest.files import DeliveryError, file_sha256, sniff_file
from creditpipe.ingest.fingerprint import Fingerprint
from creditpipe.ingest.landing import delivered_hash
from creditpipe.ingest.readers import extra_columns, iter_tables

# A delivery is judged CHUNK_ROWS records at a time: the DAG maps one task per chunk, so
# Celery workers on several machines share a large file; memory stays one chunk's.
CHUNK_ROWS = int(os.environ.get("CREDITPIPE_CHUNK_ROWS", "200000"))
log = logging.getLogger(__name__)


# What a reader's unexpected failure says about the file, by the error's kind. Never the
# error's own text: it can quote a record (an ID number, a name) from the file.
_UNPARSABLE = {
    "RecursionError": "嵌套层级过深（JSON 对象或数组层层嵌套）",
    "UnicodeError": "含有无法识别的字符（编码损坏或不成对的代理字符）",
    "OverflowError": "含有超出范围的数值",
    "Error": "格式错误（引号不成对、分隔符或换行异常）",
    "JSONDecodeError": "JSON 格式错误",
    "BadZipFile": "Excel 工作簿已损坏",
}


def unparsable_reason(name: str, exc: BaseException) -> str:
    """One line of Chinese for a file a reader could not parse (the error's kind in
    parentheses, for the engineers); logged with where it broke, never with the error's text."""
    kind = next((v for k, v in _UNPARSABLE.items() if any(c.__name__ == k for c in type(exc).__mro__)), None)
    import traceback

    where = "".join(traceback.format_tb(exc.__traceback__)[-3:])
    log.warning("%s: unreadable (%s) at\n%s", shown_name(name), type(exc).__name__, where)
    return (
        f"{shown_name(name)} 无法解析：{kind or '内容不符合文件格式'}（{type(exc).__name__}）；"
        "请从业务系统按标准格式重新导出（CSV UTF-8、Excel 工作簿或 JSON Lines）后重新报送"
    )


class FileChangedError(RuntimeError):
    """The file changed while it was read: nothing of it is used, the task is tried again
    (its retry reads the file as it then is), so a half-overwritten file never loads."""


def _identity(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return st.st_ino, st.st_size, st.st_mtime_ns


def refuse_nul(table, name: str) -> None:
    """A NUL character (U+0000) in a value: no text column can store it (PostgreSQL refuses
    the whole load, every run), and no department means it — the export is broken. The file
    is refused, naming the first row and field, never the value."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    for field in table.column_names:
        column = table.column(field)
        if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
            continue
        # A zero byte anywhere in the column's text, looked for in its buffers at once;
        # then, only where there is one, which row holds it.
        buffers = [c.buffers()[2] for c in column.chunks]
        if not any(b is not None and (np.frombuffer(b, dtype=np.uint8) == 0).any() for b in buffers):
            continue
        hits = pc.fill_null(pc.match_substring(column, "\x00"), False)
        if pc.any(hits).as_py():  # (a zero byte outside the column's slice is none of its)
            row = table.column(ROW_ID)[pc.index(hits, True).as_py()].as_py()
            raise DeliveryError(
                f"{shown_name(name)} 第 {row} 行的“{shown_name(field, 40)}”含有空字符（NUL），"
                "文件导出已损坏；请重新导出后报送"
            )


def delivered_at_of(ref: DeliveryRef) -> dt.datetime:
    """When the delivery was made: a pull's moment, or a landed file's modification time."""
    return county_time(dt.datetime.fromisoformat(ref.delivered_at)) if ref.delivered_at else file_time(ref.path)


def split_delivery(
    dataset: Dataset, ref: DeliveryRef, home=None, progress=None
) -> SplitDelivery | ZeroReport | UnreadableFile:
    """Read the delivery once, in chunks, into parts under the work folder; its manifest
    says what the file is. A file that cannot be read comes back as ``UnreadableFile``; one
    with the standard's header and no record as a ``ZeroReport`` (本期无数据) for the period
    its name gives, else the period it reports by its day (``cycles.reported_period``).
    ``progress``, when given, is told the share of the file read (0–1) after each chunk."""
    source = Path(ref.path)
    delivered_at = delivered_at_of(ref)
    try:
        if source.is_symlink():  # what it points to is not the department's to send
            raise DeliveryError(
                f"{shown_name(source.name)} 是链接（快捷方式），不是文件本身；系统不读取链接指向的文件，请直接上传文件"
            )
        if source.is_dir():
            raise DeliveryError(f"{shown_name(source.name)} 是文件夹，不是文件；请报送文件本身（不要放在子文件夹中）")
        if not source.is_file():
            raise DeliveryError(f"文件不存在：{shown_name(source.name)}")
        sniff_file(source)  # by its first bytes: empty, encrypted, .xls, a web page, UTF-16
        pulled = ref.watermark is not None
        folder, parts, received, sha256, content_sha256 = _write_parts(
            dataset, source, delivered_at, home, progress, pulled
        )
        if received == 0:  # wholly blank rows are not records either
            shutil.rmtree(folder, ignore_errors=True)
            day = delivered_at.date()
            period = named_period(dataset.cycle, source.name, day) or reported_period(dataset.cycle, day)
            return ZeroReport(
                dataset_id=dataset.id,
                department_id=ref.department_id,
                path=str(source),
                file_name=shown_name(source.name, 120),
                file_sha256=sha256,
                delivered_at=delivered_at.isoformat(timespec="seconds"),
                covers_from=period.start.isoformat(),
                covers_until=period.end.isoformat(),
            )
        fmt, encoding = _format_of(source)
        extra = extra_columns(source, dataset, encoding)
    except DeliveryError as exc:
        reason = str(exc)
    except (OSError, MemoryError, FileChangedError):
        raise  # the machine's trouble (a full disk, memory), or a file in flux: tried again
    except Exception as exc:  # whatever else a file's content breaks is the file's fault
        reason = unparsable_reason(source.name, exc)
    else:
        reason = None
    if reason is not None:
        return UnreadableFile(
            dataset_id=dataset.id,
            department_id=ref.department_id,
            path=str(source),
            file_name=shown_name(source.name, 120),
            file_sha256=delivered_hash(source) if os.path.lexists(source) else "",
            delivered_at=delivered_at.isoformat(timespec="seconds"),
            reason=reason,
        )
    manifest = folder / "manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "dataset_id": dataset.id,
                "department_id": ref.department_id,
                "file_name": shown_name(source.name, 255),  # no control character goes further
                "file_sha256": sha256,
                "content_sha256": content_sha256,
                "file_format": fmt,
                "encoding": encoding,
                "delivered_at": delivered_at.isoformat(timespec="seconds"),
                "watermark": ref.watermark,
                "pulled_until": ref.until,
                "received": received,
                "parts": parts,
                "extra_columns": extra,
                # Decided once: every chunk's keys and the merge must agree on it, in any process.
                "key_buckets": key_buckets(received),
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    chunks = tuple(ChunkRef(str(manifest), part, i) for i, part in enumerate(parts))
    return SplitDelivery(str(manifest), chunks)


def _write_parts(dataset: Dataset, source: Path, delivered_at: dt.datetime, home, progress=None, pulled=False):
    """The parts, in a folder of this run's own renamed for the file's hash once it is
    known; the file's hash and each chunk's fingerprint are made in threads while the
    reader reads on (hashing and Arrow let go of the GIL)."""
    split_root = settings.paths(home).work / "split"
    before = _identity(source)  # the file read is the file collected: re-checked at the end
    building = split_root / f".{safe_name(dataset.id)}_{uuid.uuid4().hex[:12]}"
    building.mkdir(parents=True)
    fingerprint, names, received = Fingerprint(), [], 0

    def store(table, part: Path) -> None:
        fingerprint.update(table)  # in the chunks' order: one writer thread
        write_part(table, part)

    try:
        with (
            ThreadPoolExecutor(1, thread_name_prefix="file_sha256") as hasher,
            ThreadPoolExecutor(1, thread_name_prefix="split_store") as writer,
        ):
            hashed = hasher.submit(file_sha256, source)
            stored: list = []
            # Chunks stay Arrow tables from the reader to the part (no Python objects).
            for n, (table, share) in enumerate(iter_tables(source, dataset, rows=CHUNK_ROWS)):
                refuse_nul(table, source.name)
                if not pulled and PUBLISHED in table.column_names:
                    # A record's day is the channel's word, never the delivered content's: a
                    # dropped file's own updated_at column cannot back-date its delivery.
                    table = table.drop_columns([PUBLISHED])
                table = with_published_table(table, delivered_at.date())
                stored.append(writer.submit(store, table, building / f"{n:05d}{PART_SUFFIX}"))
                names.append(f"{n:05d}{PART_SUFFIX}")
                received += table.num_rows
                while len(stored) > 1:  # at most one chunk waits to be stored: memory stays flat
                    stored.pop(0).result()
                if progress is not None:
                    progress(share)
            for done in stored:
                done.result()
            sha256 = hashed.result()
        if _identity(source) != before:
            raise FileChangedError(
                f"{shown_name(source.name)} 在读取时被改动（仍在上传，或被同名文件覆盖）：本次不入库，稍后重试时重新读取"
            )
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    folder = split_root / safe_name(f"{dataset.id}_{sha256[:16]}")
    if folder.exists():
        shutil.rmtree(folder)  # a re-run of the same file starts clean
    building.rename(folder)
    return folder, [str(folder / name) for name in names], received, sha256, fingerprint.hexdigest()


def _format_of(source: Path) -> tuple[str, str | None]:
    with open(source, "rb") as fh:
        zipped = fh.read(2) == b"PK"
    suffix = source.suffix.lower()
    if zipped or suffix == ".xlsx":
        return "xlsx", None
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl", "utf-8"
    return "csv", csv_encoding(source)
