"""Pulling a dataset from a department's API or front-end database (前置机).

A pull reads the records changed after the source's watermark and up to the run's moment,
and stages them as a JSON-lines delivery; the ordinary check and load take it from there.
The watermark advances only when that delivery's load commits (warehouse.load_batch)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from creditpipe.core import settings
from creditpipe.core.catalog import Dataset, Source
from creditpipe.core.clock import county_time, county_tz
from creditpipe.core.connections import get_conn
from creditpipe.core.labels import CHANNEL_LABELS

log = logging.getLogger(__name__)

WATERMARK_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"  # county time, fixed width: compares as text
EPOCH = "1970-01-01T00:00:00.000000"
UPDATED_AT = "updated_at"  # the change-time key in API records and front-end tables


class SourceError(RuntimeError):
    """A source could not be read after its retries; the message says which and why."""


def source_name(dataset: Dataset, source: Source) -> str:
    """The source as a message names it: department, dataset, channel and connection (never
    the credentials the connection holds)."""
    from creditpipe.core.catalog import load_catalog

    department = load_catalog().departments.get(source.department)
    where = source.option("path") if source.channel == "api" else source.option("table")
    return (
        f"{department.short_name if department else source.department}{dataset.title}"
        f"{CHANNEL_LABELS.get(source.channel, source.channel)}（连接 {source.option('conn_id')}，{where}）"
    )


def _short_reason(text: str) -> str:
    """The cause of a network or database failure without object reprs or hints: the OS
    error (e.g. "Connection refused"), else the first line."""
    found = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", text)
    if found:
        return found.group(1).strip()
    for known in ("Connection refused", "timed out", "Read timed out", "Name or service not known"):
        if known in text:
            return known
    return text.strip().splitlines()[0][:200] if text.strip() else "未知原因"


@dataclass
class Pulled:
    path: str | None  # the staged JSON-lines delivery, None when nothing changed
    records: int
    since: str
    watermark: str  # the newest change time staged within the window (== since when none)
    ahead: int = 0  # records staged to be refused: dated ahead of the real clock


def watermark_text(moment: dt.datetime | str) -> str:
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    if moment.tzinfo is not None:
        moment = moment.astimezone(county_tz()).replace(tzinfo=None)
    return moment.strftime(WATERMARK_FORMAT)


def _stage(records: list[dict], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".part")
    with open(tmp, "w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False, default=str) + "\n")
    tmp.replace(out)  # never a half-written delivery under the final name


# A change time this far past the real clock is a wrong clock, not a change made while the
# run was reading (that one is the next window's).
CLOCK_TOLERANCE = dt.timedelta(hours=1)


def pull(
    dataset: Dataset,
    source: Source,
    since: str,
    until: dt.datetime,
    out: Path,
    refused_already: Callable[[list[dict]], list[bool]] | None = None,
    now: dt.datetime | None = None,
) -> Pulled:
    """The records changed in (since, until], staged; and with them, to be refused and
    reported, those whose change time lies ahead of the real clock (``now``) by more than
    CLOCK_TOLERANCE — unless ``refused_already`` says the department has been told of them
    and has not corrected them yet. The watermark is the newest change staged within the
    window, never beyond it."""
    reader = {"api": _api_records, "database": _database_records}[source.channel]
    upper = watermark_text(until)
    clock = watermark_text((now or dt.datetime.now(county_tz())) + CLOCK_TOLERANCE)
    window = within_window(reader(dataset, source, since, upper), since, upper, clock, source_name(dataset, source))
    ahead = window.ahead
    if ahead and refused_already is not None:
        told = refused_already(ahead)
        ahead = [r for r, done in zip(ahead, told) if not done]
        if len(ahead) < len(window.ahead):
            log.info(
                "%s/%s: %d record(s) dated ahead of the clock were refused before and are not corrected yet",
                dataset.id, source.department, len(window.ahead) - len(ahead),
            )  # fmt: skip
    staged = window.inside + ahead
    if not staged:
        return Pulled(None, 0, since, since)
    newest = max((watermark_text(r[UPDATED_AT]) for r in window.inside), default=since)
    _stage(staged, out)
    log.info("%s/%s: pulled %d record(s) changed after %s", dataset.id, source.department, len(staged), since)
    return Pulled(str(out), len(staged), since, newest, len(ahead))


@dataclass(frozen=True)
class Window:
    inside: list[dict]  # changed in (since, upper]
    ahead: list[dict]  # changed after the real clock: a wrong clock, refused
    later: int  # changed after upper, before the clock: the next window's
    earlier: int  # changed at or before since: pulled already


def within_window(records: list[dict], since: str, upper: str, clock: str, name: str) -> Window:
    """The records sorted by their change time against the window asked for, (since, upper],
    and the real clock. A source that ignores the window (a server that drops updated_until,
    an inclusive lower bound, a department's clock set a year ahead) sends others: one at or
    before the window's start was pulled already, one after it but not after the clock is
    the next window's, and one dated past the clock cannot be right — it is refused and
    reported, so the department corrects it. The watermark never leaves the window: one
    record dated 2027 would otherwise carry it there and every change until then be skipped."""
    inside, ahead, later, earlier = [], [], 0, 0
    for r in records:
        changed = watermark_text(r[UPDATED_AT])
        if since < changed <= upper:
            inside.append(r)
        elif changed > clock:
            ahead.append(r)
        elif changed > upper:
            later += 1
        else:
            earlier += 1
    if ahead or later or earlier:
        log.warning(
            "%s：%d 条记录的变更时间不在请求范围 (%s, %s] 内：%d 条晚于当前时间（对方时钟或变更时间有误，退回并告知部门），"
            "%d 条晚于上限（由下一次归集读取），%d 条不晚于下限（此前已读取）；请检查对方接口的时间条件和服务器时钟",
            name, len(ahead) + later + earlier, since, upper, len(ahead), later, earlier,
        )  # fmt: skip
    return Window(inside, ahead, later, earlier)


def staged_path(dataset: Dataset, source: Source, until: dt.datetime, home=None) -> Path:
    """Where a pull up to ``until`` is staged: one file per source and moment, so a re-run
    of the same run stages the same file."""
    until = county_time(until)
    return (
        settings.paths(home).work
        / "pulls"
        / source.department
        / f"{dataset.name}_{source.channel}_{until:%Y%m%d%H%M%S}.jsonl"
    )


# --- HTTP API -------------------------------------------------------------------------


def _http_session(retries: int, backoff: float):
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff,
        status_forcelist=(500, 502, 503, 504),
        allowed_methods=frozenset({"GET"}),
        raise_on_status=True,
        respect_retry_after_header=True,
    )
    session = requests.Session()
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session


def _api_records(dataset: Dataset, source: Source, since: str, until: str) -> list[dict]:
    """Every page of records changed in (since, until]. A 5xx or a timeout is retried with
    exponential back-off; after the last retry the pull fails and nothing is staged."""
    import requests

    conn = get_conn(source.option("conn_id"))
    url = conn.base_url().rstrip("/") + source.option("path")
    page_size = int(source.option("page_size", 200))
    timeout = float(source.option("timeout_s", 30))
    retries = int(source.option("retries", 5))
    session = _http_session(retries, float(source.option("backoff_s", 0.5)))
    name, attempts = source_name(dataset, source), retries + 1
    headers = {"Authorization": f"Bearer {conn.token()}", "Accept": "application/json"}
    records: list[dict] = []
    page = 1
    # A server that ignores `page` (or never says it is done) would be read for ever: a page
    # the same as the one before, more pages than max_pages, or longer than deadline_s stop it.
    max_pages, deadline = int(source.option("max_pages", 10_000)), float(source.option("deadline_s", 3600))
    started, previous = time.monotonic(), None
    while True:
        params = {"updated_since": since, "updated_until": until, "page": page, "page_size": page_size}
        try:
            resp = session.get(url, params=params, headers=headers, timeout=(5, timeout))
            resp.raise_for_status()
            body = resp.json()
        except requests.exceptions.RetryError as exc:
            raise SourceError(
                f"{name}：第 {page} 页共请求 {attempts} 次，重试后仍返回错误（{_reason(exc)}），本次未读取任何记录"
            ) from None
        except requests.exceptions.HTTPError as exc:
            raise SourceError(f"{name}：{url} 返回 HTTP {exc.response.status_code}，本次未读取任何记录") from None
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            raise SourceError(
                f"{name}：第 {page} 页共尝试 {attempts} 次，无法连接或超时（{type(exc).__name__}: "
                f"{_short_reason(str(exc))}），本次未读取任何记录"
            ) from None
        except ValueError:
            raise SourceError(f"{name}：{url} 第 {page} 页不是 JSON") from None
        batch = body.get("records")
        if not isinstance(batch, list):
            raise SourceError(f"{source.department} 接口 {url} 第 {page} 页缺少 records 列表")
        records.extend(batch)
        if len(batch) < page_size or not body.get("has_more", len(batch) == page_size):
            break
        same = json.dumps(batch, sort_keys=True, ensure_ascii=False, default=str)
        if same == previous:
            raise SourceError(
                f"{name}：第 {page} 页与第 {page - 1} 页完全相同，接口似乎不支持分页参数 page，本次未读取任何记录"
            )
        previous = same
        if page >= max_pages or time.monotonic() - started > deadline:
            raise SourceError(
                f"{name}：已读 {page} 页、{time.monotonic() - started:.0f} 秒仍未读完（上限 {max_pages} 页、"
                f"{deadline:.0f} 秒），接口可能不会结束分页，本次未读取任何记录"
            )
        page += 1
    missing = [i for i, r in enumerate(records) if not r.get(UPDATED_AT)]
    if missing:
        raise SourceError(f"{source.department} 接口返回的第 {missing[0] + 1} 条记录缺少 {UPDATED_AT}")
    return records


def _reason(exc) -> str:
    inner = getattr(exc.args[0], "reason", None) if exc.args else None
    text = str(inner or exc)
    found = re.search(r"too many (\d+) error responses", text)
    return f"HTTP {found.group(1)}" if found else _short_reason(text)


# --- front-end database ---------------------------------------------------------------


def _database_records(dataset: Dataset, source: Source, since: str, until: str) -> list[dict]:
    """Rows of the front-end table changed in (since, until], oldest first, read in chunks.
    The table's columns are the catalog's warehouse column names. A database that cannot be
    reached (or drops the connection mid-read) is tried again with exponential back-off, the
    whole read each time; after the last attempt the pull fails and nothing is staged."""
    import sqlalchemy as sa

    attempts = int(source.option("retries", 3)) + 1
    backoff = float(source.option("backoff_s", 2.0))
    name = source_name(dataset, source)
    for attempt in range(1, attempts + 1):
        try:
            return _read_front_table(dataset, source, since, until)
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            reason = _short_reason(str(getattr(exc, "orig", None) or exc))
            if attempt == attempts:
                raise SourceError(
                    f"{name}：共连接 {attempts} 次均失败（{reason}），已放弃，本次未读取任何记录"
                ) from None
            delay = backoff * 2 ** (attempt - 1)
            log.warning("%s：第 %d 次读取失败（%s），%.1f 秒后重试", name, attempt, reason, delay)
            time.sleep(delay)
        except sa.exc.SQLAlchemyError as exc:  # not transient (no table, no column, no rights)
            raise SourceError(
                f"{name} 前置库读取失败：{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
            ) from None
    raise AssertionError("unreachable")


def _read_front_table(dataset: Dataset, source: Source, since: str, until: str) -> list[dict]:
    import sqlalchemy as sa

    conn = get_conn(source.option("conn_id"))
    url = conn.sqlalchemy_url()
    # A host that does not answer must not hang the task: the driver gives up in time.
    connect_args = (
        {"connect_timeout": int(float(source.option("timeout_s", 30)))} if url.startswith("postgresql") else {}
    )
    engine = sa.create_engine(url, connect_args=connect_args)
    table_name, wm = source.option("table"), source.option("watermark_column")
    try:
        with engine.connect() as db:
            table = sa.Table(table_name, sa.MetaData(), autoload_with=db)
            if wm not in table.c:
                raise SourceError(f"{source.department} 前置库表 {table_name} 没有水位列 {wm}")
            names = {f.column: f.name for f in dataset.fields}
            present = [c for c in names if c in table.c]
            missing = [names[c] for c in names if c not in table.c and c in _required_columns(dataset)]
            if missing:
                raise SourceError(f"{source.department} 前置库表 {table_name} 缺少必需字段：{'、'.join(missing)}")
            lower, upper = dt.datetime.fromisoformat(since), dt.datetime.fromisoformat(until)
            query = (
                sa.select(*[table.c[c] for c in present], table.c[wm])
                .where(table.c[wm] > lower, table.c[wm] <= upper)
                .order_by(table.c[wm])
            )
            records = []
            result = db.execution_options(stream_results=True, yield_per=5000).execute(query)
            for row in result.mappings():
                rec = {names[c]: _db_value(row[c]) for c in present}
                rec[UPDATED_AT] = watermark_text(row[wm])
                records.append(rec)
            return records
    finally:
        engine.dispose()


def _required_columns(dataset: Dataset) -> set[str]:
    return {f.column for f in dataset.fields if f.required}


def _db_value(value):
    """A front-end database cell as the standard's text. A date held in a DATETIME (Oracle's
    DATE type holds every date so) comes back at midnight: written as the date it is, as the
    workbook reader writes a date cell, so 出生日期 is 1978-05-14, not 1978-05-14 00:00:00."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
