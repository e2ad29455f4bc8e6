"""Per-record verdicts: run a dataset's suite through Great Expectations and turn its
results into one row per (record, field, rule) with a message a clerk understands."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from creditpipe.identifiers import (
    PROVINCES,
    USCC_VALUE,
    org_code_check_char,
    uscc_structure_problem,
    resident_id_birth_date,
    resident_id_check_char,
    uscc_check_char,
)
from creditpipe.rules import canonical_date_cells
from creditpipe.settings import project_dir

log = logging.getLogger(__name__)

ROW_ID = "source_row"
# When each record reached the platform: its change time at the source for pulled records,
# the file's delivery otherwise. Checked by the 双公示 deadline rule; never stored.
PUBLISHED = "报送日期"
ISSUE_COLUMNS = [ROW_ID, "field", "rule", "severity", "message", "fix", "value"]
# GE's severities → ours: an error refuses the record and counts in the 数据不合格率,
# a warning is told to the department and counts nowhere.
SEVERITY = {"critical": "error", "warning": "warning", "info": "warning"}


class SuiteError(RuntimeError):
    """The suite could not be evaluated (a rule names a missing column, a bad kwarg…)."""


def suite_path(name: str) -> Path:
    return project_dir() / "expectations" / f"{name}.json"


@lru_cache(maxsize=16)
def load_suite_document(name: str) -> dict:
    path = suite_path(name)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SuiteError(f"规则集 {path} 不存在") from None


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
            "nonconformity_rate_pct": _rate_pct(self.rejected, self.received),
        }


def _rate_pct(rejected: int, received: int) -> float:
    from creditpipe.assessment import nonconformity_rate

    return float(round(nonconformity_rate(rejected, received), 4))


class _GX:
    """One ephemeral Great Expectations context per process (creating one costs ~1 s)."""

    _instance = None

    def __init__(self) -> None:
        os.environ["GX_ANALYTICS_ENABLED"] = "False"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import great_expectations as gx
            from great_expectations.data_context.types.base import ProgressBarsConfig

            import creditpipe.custom_expectations  # noqa: F401  registers our expectations

        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = self.context.data_sources.add_pandas("deliveries").add_dataframe_asset("delivery")
        self.batch_definition = asset.add_batch_definition_whole_dataframe("whole delivery")

    @classmethod
    def get(cls) -> "_GX":
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def suite(self, name: str):
        doc = load_suite_document(name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.gx.ExpectationSuite(
                name=doc["name"], expectations=doc["expectations"], meta=doc.get("meta", {})
            )


# Which evaluator judges the records: "compiled" (creditpipe.verdicts, vectorised, the
# default) or "ge" (Great Expectations itself; the tests hold the two to the same verdicts).
ENGINE_ENV = "CREDITPIPE_VERDICT_ENGINE"


def check_records(records: pd.DataFrame, suite_name: str, delivery_date: dt.date, engine: str | None = None) -> Verdict:
    """Run the suite over the records (which carry ``source_row``) and collect every issue."""
    engine = engine or os.environ.get(ENGINE_ENV, "compiled")
    records = with_published(records, delivery_date)
    if records.empty:
        return Verdict(records, pd.DataFrame(columns=ISSUE_COLUMNS))
    if engine == "ge":
        rows = _ge_rows(records, suite_name, delivery_date)
    elif engine == "compiled":
        rows = _compiled_rows(records, suite_name, delivery_date)
    else:
        raise ValueError(f"未知的校验引擎 {engine!r}（compiled 或 ge）")
    return Verdict(records, _finish(rows))


def with_published(records: pd.DataFrame, delivery_date: dt.date) -> pd.DataFrame:
    """The records with the day each reached the platform (PUBLISHED): its change time at
    the source, in county time, or the delivery's day."""
    if PUBLISHED not in records.columns:
        return records.assign(**{PUBLISHED: delivery_date.isoformat()})
    day = county_day(records[PUBLISHED])
    return records.assign(**{PUBLISHED: day.fillna(delivery_date.isoformat()).astype(object)})


def with_published_table(records, delivery_date: dt.date):
    """``with_published`` for an Arrow records table (only that column goes through pandas)."""
    import pyarrow as pa

    if PUBLISHED not in records.column_names:
        return records.append_column(PUBLISHED, pa.array([delivery_date.isoformat()] * records.num_rows, pa.string()))
    stamps = pd.Series(records.column(PUBLISHED).to_numpy(zero_copy_only=False), dtype=object)
    day = county_day(stamps).fillna(delivery_date.isoformat()).astype(object)
    column = pa.array(day.to_numpy(dtype=object), pa.string(), from_pandas=True)
    return records.set_column(records.column_names.index(PUBLISHED), PUBLISHED, column)


# Rules over the whole delivery: a chunked check judges them once, over every chunk's keys.
WHOLE_DELIVERY_RULES = {"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"}


def per_record_rules(suite_name: str) -> list[dict]:
    return [e for e in load_suite_document(suite_name)["expectations"] if e["type"] not in WHOLE_DELIVERY_RULES]


def whole_delivery_rules(suite_name: str) -> list[dict]:
    return [e for e in load_suite_document(suite_name)["expectations"] if e["type"] in WHOLE_DELIVERY_RULES]


# Keys per bucket when a delivery's uniqueness rules are judged a bucket at a time.
KEYS_PER_BUCKET = 500_000


def key_buckets(received: int) -> int:
    return max(1, -(-int(received) // KEYS_PER_BUCKET))


def rule_columns(expectation: dict) -> list[str]:
    """What a whole-delivery rule reads: the row id, its columns, its condition's columns."""
    columns = [*expectation_columns(expectation)]
    columns += sorted(_condition_columns(expectation["kwargs"].get("row_condition")) - set(columns))
    return [ROW_ID, *columns]


def key_bucket(records, expectation: dict, buckets: int) -> np.ndarray:
    """Each record's bucket for the rule (records: an Arrow table): a hash of the rule's
    columns' bytes, so equal keys (and equal missing keys) always share one, whichever
    chunk they are in. Hashed by numpy over Arrow's buffers: pandas' hash of the same
    keys as Python strings cost more than judging the chunk's rules."""
    n = records.num_rows
    if buckets == 1 or n == 0:
        return np.zeros(n, dtype=np.int64)
    hashed = np.zeros(n, dtype=np.uint64)
    for column in expectation_columns(expectation):
        hashed = hashed * np.uint64(0x100000001B3) ^ text_hash(records.column(column))
    return (hashed % np.uint64(buckets)).astype(np.int64)


_HASH_BASE = np.uint64(0x9E3779B97F4A7C15)


def text_hash(values) -> np.ndarray:
    """A 64-bit hash of each text value of an Arrow array (chunked or not): its UTF-8
    bytes as a polynomial (Σ byte × B^(position + 1), wrapping at 2^64, by one running sum over
    the column's bytes), with its length, then mixed (splitmix64's finaliser) so that a
    bucket is the hash modulo their count; a missing value hashes alike everywhere."""
    import pyarrow as pa

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    if not pa.types.is_string(values.type):
        values = values.cast(pa.string())
    n = len(values)
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32, count=n + 1, offset=values.offset * 4).astype(np.int64)
    data = values.buffers()[2]
    raw = (np.frombuffer(data, dtype=np.uint8)[offsets[0]:offsets[-1]] if data is not None and offsets[-1] > offsets[0]
           else np.zeros(0, dtype=np.uint8))
    lengths = np.diff(offsets)
    starts = offsets[:-1] - offsets[0]
    position = np.arange(len(raw), dtype=np.int64) - np.repeat(starts, lengths)  # within its value
    powers = np.cumprod(np.full(max(int(lengths.max(initial=0)), 1), _HASH_BASE, dtype=np.uint64))
    running = np.zeros(len(raw) + 1, dtype=np.uint64)
    np.cumsum(raw.astype(np.uint64) * powers[position], out=running[1:])
    h = (running[starts + lengths] - running[starts]) ^ (lengths.astype(np.uint64) * np.uint64(0xBF58476D1CE4E5B9))
    if values.null_count:
        h[values.is_null().to_numpy(zero_copy_only=False)] = np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    return h


def key_columns(suite_name: str) -> list[str]:
    """The columns the whole-delivery rules read (kept from every chunk)."""
    whole = whole_delivery_rules(suite_name)
    columns = {c for e in whole for c in expectation_columns(e)}
    columns |= {c for e in whole for c in _condition_columns(e["kwargs"].get("row_condition"))}
    return [ROW_ID, *sorted(columns)]


class ChunkedCheck:
    """A suite's verdicts over a delivery given chunk by chunk, equal to one pass over the
    whole (tests/test_chunked_check.py): each chunk is judged on its own for the per-record
    rules, and the uniqueness rules are judged at the end over every chunk's key columns.
    Memory holds one chunk, the key columns and the issues."""

    def __init__(self, suite_name: str, delivery_date: dt.date):
        self.suite_name, self.delivery_date = suite_name, delivery_date
        self.per_record = per_record_rules(suite_name)
        self.whole = whole_delivery_rules(suite_name)
        self.key_columns = key_columns(suite_name)
        self.keys: list[pd.DataFrame] = []
        self.rows: list[dict] = []
        self.received = 0

    def add(self, records: pd.DataFrame) -> pd.DataFrame:
        """Judge one chunk; returns it with PUBLISHED filled in (as it should be stored)."""
        records = with_published(records, self.delivery_date)
        if records.empty:
            return records
        self.received += len(records)
        self.rows += _compiled_rows(records, self.suite_name, self.delivery_date, self.per_record)
        self.keys.append(records[self.key_columns].copy())
        return records

    def issues(self) -> pd.DataFrame:
        rows = list(self.rows)
        if self.whole and self.keys:
            keys = pd.concat(self.keys, ignore_index=True)
            rows += _compiled_rows(keys, self.suite_name, self.delivery_date, self.whole)
        return _finish(rows)


def _condition_columns(condition: dict | None) -> set[str]:
    if not condition:
        return set()
    if condition.get("type") in ("and", "or"):
        return set().union(*(_condition_columns(c) for c in condition["conditions"]))
    return {condition["column"]["name"]}


def county_day(stamps: pd.Series) -> pd.Series:
    """A change time's day in county time: 2026-10-09T10:00:00 (county time, as the
    front-end databases give it) is the 9th; 2026-10-08T20:00:00Z is the 9th too."""
    text = stamps.astype("string").str.strip()
    if (canonical_date_cells(text) | text.isna().to_numpy()).all():  # days already (the usual case)
        return text
    day = text.str.slice(0, 10)
    zoned = text.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True).fillna(False).astype(bool)
    if zoned.any():
        moments = pd.to_datetime(text[zoned], utc=True, errors="coerce", format="ISO8601")
        local = moments.dt.tz_convert("Asia/Shanghai").dt.strftime("%Y-%m-%d")
        day = day.astype(object)
        day[zoned] = local.where(moments.notna(), day[zoned])
    return day


def _compiled_rows(records: pd.DataFrame, suite_name: str, delivery_date: dt.date,
                   expectations: list[dict] | None = None) -> list[dict]:
    from creditpipe.verdicts import UnsupportedExpectation, evaluate

    if expectations is None:
        expectations = load_suite_document(suite_name)["expectations"]
    frame = records.reset_index(drop=True)
    rows: list[dict] = []
    try:
        results = evaluate(frame, expectations, delivery_date)
    except KeyError as exc:
        if isinstance(exc, UnsupportedExpectation):
            raise SuiteError(str(exc.args[0])) from None
        raise SuiteError(f"规则集 {suite_name} 引用了不存在的字段 {exc.args[0]!r}") from None
    parameters = {"delivery_date": delivery_date.isoformat()}
    for expectation, positions in results:
        if len(positions) == 0:
            continue
        columns = expectation_columns(expectation)
        # The columns first: taking rows of all thirty columns per rule cost seconds.
        hits = frame[[ROW_ID, *columns]].iloc[positions].to_dict("records")
        rows.extend(_issues_of(_resolved(expectation, parameters), hits))
    return rows


def _resolved(expectation: dict, parameters: dict) -> dict:
    from creditpipe.verdicts import resolve

    return {**expectation, "kwargs": resolve(expectation["kwargs"], parameters)}


def _ge_rows(records: pd.DataFrame, suite_name: str, delivery_date: dt.date) -> list[dict]:
    gx = _GX.get()
    suite = gx.suite(suite_name)
    batch = gx.batch_definition.get_batch(batch_parameters={"dataframe": records})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = batch.validate(
            suite,
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": [ROW_ID],
                "return_unexpected_index_query": False,
            },
            expectation_parameters={"delivery_date": delivery_date.isoformat()},
        )
    rows: list[dict] = []
    for res in result.results:
        config = res.expectation_config
        if res.exception_info and res.exception_info.get("raised_exception"):
            raise SuiteError(
                f"规则 {config.type}（{config.kwargs.get('column')}）无法执行："
                f"{res.exception_info.get('exception_message')}"
            )
        if res.success:
            continue
        raw = getattr(config, "severity", None) or "critical"
        expectation = {"type": config.type, "kwargs": dict(config.kwargs), "meta": config.meta or {},
                       "severity": str(getattr(raw, "value", raw))}  # GE gives an enum
        rows.extend(_issues_of(expectation, res.result.get("unexpected_index_list") or []))
    return rows


def _finish(rows: list[dict]) -> pd.DataFrame:
    """The issues as a frame, each problem said once (see the echo rules below)."""
    issues = pd.DataFrame(rows, columns=["_pair", *ISSUE_COLUMNS])
    if not issues.empty:
        # A rule over a pair of fields (dates in order, code vs category) is not repeated
        # when one of its fields already has an error of its own on that row.
        single = issues["_pair"].isna() & (issues["severity"] == "error")
        own = set(zip(issues.loc[single, ROW_ID], issues.loc[single, "field"]))
        pair_echo = pd.Series(
            [p is not None and isinstance(p, tuple) and any((r, c) in own for c in p)
             for r, p in zip(issues[ROW_ID], issues["_pair"])],
            index=issues.index,
        )
        issues = issues[~pair_echo]
    issues = issues.drop(columns="_pair")
    if not issues.empty:
        # "NULL" or "无" in a field is one problem, said once: drop the other rules' echoes.
        placeholder = issues["rule"] == "placeholder_text"
        if placeholder.any():
            keys = set(zip(issues.loc[placeholder, ROW_ID], issues.loc[placeholder, "field"]))
            echo = ~placeholder & pd.Series(
                [k in keys for k in zip(issues[ROW_ID], issues["field"])], index=issues.index
            )
            issues = issues[~echo]
        # A value that is wrong is said by its error; a warning on the same value would only
        # repeat it (a blank that broke a code, the org-code check of a code that fails anyway).
        errors = issues["severity"] == "error"
        erred = set(zip(issues.loc[errors, ROW_ID], issues.loc[errors, "field"]))
        echo = ~errors & pd.Series([k in erred for k in zip(issues[ROW_ID], issues["field"])], index=issues.index)
        issues = issues[~echo]
        issues = issues.sort_values([ROW_ID, "field", "rule"], kind="stable").reset_index(drop=True)
    return issues


def expectation_columns(expectation: dict) -> list[str]:
    """The fields an expectation (as stored in a suite file) looks at."""
    kwargs = expectation["kwargs"]
    if "column_list" in kwargs:
        return list(kwargs["column_list"])
    if "column_A" in kwargs:
        return [kwargs["column_A"], kwargs["column_B"]]
    return [kwargs["column"]]


def _issues_of(expectation: dict, unexpected: list[dict]) -> list[dict]:
    """Issue rows for the unexpected rows of one expectation (its parameters resolved);
    each hit carries source_row and the expectation's columns."""
    # A rule over several columns (a compound key) names them all as its field.
    kwargs = expectation["kwargs"]
    columns = expectation_columns(expectation)
    column = "、".join(columns)
    meta = expectation.get("meta") or {}
    severity = SEVERITY[str(expectation.get("severity") or "critical").lower()]
    value_set = [str(v) for v in kwargs.get("value_set") or []]
    # Some standard values contain 、 themselves (没收违法所得、没收非法财物).
    allowed = ("；" if any("、" in v for v in value_set) else "、").join(value_set)
    not_after = kwargs.get("not_after") or kwargs.get("as_of") or ""
    kind = expectation["type"]
    out = []
    for hit in unexpected:
        parts = [hit.get(c) for c in columns]
        parts = [None if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)) else str(v) for v in parts]
        value = None if all(v is None for v in parts) else " / ".join(v or "" for v in parts)
        fill = {
            "value": value or "",
            "field": column,
            "allowed": allowed,
            "not_after": not_after,
            "detail": explain(meta.get("rule", ""), value, kwargs),
        }
        out.append(
            {
                "_pair": tuple(columns) if "column_A" in kwargs else None,
                ROW_ID: int(hit[ROW_ID]),
                "field": column,
                "rule": meta.get("rule", kind),
                "severity": severity,
                "message": meta.get("message", kind).format(**fill),
                "fix": meta.get("fix", "").format(**fill),
                "value": value,
            }
        )
    return out


_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$")
_FULL_WIDTH = re.compile("[\uff01-\uff5e]")
_EXCEL_SERIAL = re.compile(r"^\d{5}(\.\d+)?$")
# Rules whose values come out of a spreadsheet cell: their messages diagnose the damage.
_CELL_RULES = {"uscc_invalid", "resident_id_invalid", "masked_id_format", "date_invalid",
               "amount_invalid", "integer_invalid", "case_no_format", "doc_no_format", "enumeration", "format"}


@lru_cache(maxsize=4096)  # the same pair of days recurs across a delivery
def _publication_lag(value: str, allowed: int) -> str:
    from creditpipe import rules

    decided, published = (rules.parse_date(v) for v in value.split(" / "))
    if decided is None or published is None:
        return ""
    calendar = _calendar()
    lag = calendar.working_days_between(decided, published)
    note = calendar.statement()
    return (f"：决定于 {decided}，{published} 才报送公示，相隔 {lag} 个工作日（应在 {allowed} 个工作日内）"
            + (f"。{note}" if note else ""))


@lru_cache(maxsize=1)
def _calendar():
    from creditpipe.workdays import WorkingCalendar

    return WorkingCalendar()


def spreadsheet_symptom(rule: str, value: str) -> str | None:
    """The tell-tale damage spreadsheets do to cells, said so a clerk can avoid it."""
    if _SCIENTIFIC.match(value.strip()):
        return ("：该值被 Excel 转成了科学计数法，后几位已经丢失。请把该列单元格设为“文本”格式"
                "（或在号码前加英文单引号）后重新录入完整号码")
    if value != value.strip() or "\n" in value or "\r" in value:
        return "：首尾有多余的空格或含有换行（常见于复制粘贴）。请删除空格和换行后重新报送"
    wide = _FULL_WIDTH.search(value)
    if wide or "\u3000" in value:
        char = wide.group(0) if wide else "　"
        return (f"：含有全角字符“{char}”。省数据标准要求字母和数字一律使用半角，"
                "请切换到半角输入法重新录入")
    if rule in ("uscc_invalid", "resident_id_invalid") and len(value) == 18 and value.isdigit() and value.endswith("000"):
        return ("：末尾为“000”，疑似号码被 Excel 当作数字保存，只保留了前 15 位、其后各位变成了 0。"
                "请把该列设为“文本”格式后按原件重新录入")
    if rule == "date_invalid" and _EXCEL_SERIAL.match(value) and 20000 <= float(value) <= 80000:
        day = dt.date(1899, 12, 30) + dt.timedelta(days=int(float(value)))
        return (f"：这是 Excel 的日期序列号（对应 {day.isoformat()}）。请把单元格设为日期或文本格式，"
                "按 YYYY-MM-DD 填写")
    if rule == "amount_invalid" and re.search(r"[,，]", value):
        return "：含有千位分隔符。请只填数字，如 1200.5"
    if rule == "amount_invalid" and re.search(r"[元万]", value):
        return "：带有单位。金额栏只填数字，单位以表头为准"
    return None


def explain(rule: str, value: str | None, kwargs: dict | None = None) -> str:
    """What exactly is wrong with a value, so the clerk can fix it without guessing."""
    if not value:
        return ""
    if rule == "late_publication":
        return _publication_lag(value, (kwargs or {}).get("working_days", 7))
    if rule in _CELL_RULES:
        symptom = spreadsheet_symptom(rule, value)
        if symptom:
            return symptom
    if rule == "uscc_invalid":
        if len(value) != 18:
            return f"：应为18位，实为{len(value)}位"
        bad = sorted({c for c in value if c not in USCC_VALUE})
        if bad:
            return f"：含有代码中不允许的字符“{''.join(bad)}”"
        return f"：校验位应为“{uscc_check_char(value[:17])}”，实为“{value[17]}”"
    if rule == "uscc_structure":
        problem = uscc_structure_problem(value)
        return f"：{problem}" if problem else ""
    if rule == "uscc_org_code":
        return f"：第9–17位组织机构代码的校验位应为“{org_code_check_char(value[8:16])}”，实为“{value[16]}”"
    if rule == "resident_id_invalid":
        code = value.upper()
        if len(code) != 18:
            return f"：应为18位，实为{len(code)}位"
        if not code[:17].isdigit() or code[17] not in "0123456789X":
            return "：前17位须为数字，末位为数字或X"
        if code[:2] not in PROVINCES - {"10"}:
            return f"：前两位省份代码“{code[:2]}”不存在"
        born = resident_id_birth_date(code)
        if born is None:
            return f"：其中的出生日期“{code[6:14]}”不存在"
        expected = resident_id_check_char(code[:17])
        if expected != code[17]:
            return f"：校验位应为“{expected}”，实为“{code[17]}”"
        return f"：其中的出生日期“{code[6:14]}”晚于报送日期"
    return ""
