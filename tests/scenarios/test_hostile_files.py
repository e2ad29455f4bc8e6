"""Issue 16 (round two of nothing lost, nothing leaked): files a hostile department or a
broken system sends. Each test is one of the issue's numbered items; the helpers are the
bad-input corpus's (test_bad_input.py)."""

import datetime as dt
import json
from pathlib import Path

import bad_inputs as bad
import pytest
from test_bad_input import UNTIL, counts, drop, run

pytestmark = pytest.mark.faults

ID_NUMBER, NAME = "320281198801012345", "王小明"


def _header_less_csv() -> bytes:
    rows = bad.csv_text(bad.records()).split("\r\n")[1:]  # the records, no header row
    first = rows[0].split(",")
    first[0], first[1] = NAME, ID_NUMBER
    return ("\r\n".join([",".join(first), *rows[1:]])).encode("utf-8")


def test_1_a_file_without_its_header_is_refused_without_quoting_its_first_row(home, smtp):
    drop(home, "无表头.csv", _header_less_csv())
    (result,) = run(home)
    assert result.outcome == "unreadable"
    for said in (result.reason, json.dumps(json.loads(Path(result.rejections_json).read_text("utf-8")))):
        assert ID_NUMBER not in said and NAME not in said
    assert "列）没有一个标准表头：可能缺少表头行" in result.reason


def _arrears_lines(poison: str) -> bytes:
    """A water company's JSON lines whose second record carries ``poison`` as 欠费金额（元）."""
    import datetime as dt
    import random

    from creditpipe.devtools.simulators import make_delivery

    day = dt.date(2026, 10, 9)
    recs, _ = make_delivery("utility.arrears", "water", random.Random(5), [day] * 3, day, [])
    lines = [json.dumps(r, ensure_ascii=False) for r in recs]
    lines[1] = lines[1].replace(json.dumps(recs[1]["欠费金额（元）"]), poison, 1)
    return ("\n".join(lines) + "\n").encode("utf-8")


UNPARSABLE = {
    "nested.jsonl": lambda: _arrears_lines("[" * 100_000 + "]" * 100_000),
    "surrogate.jsonl": lambda: _arrears_lines('"\\ud800"'),
    "huge_number.jsonl": lambda: _arrears_lines("9" * 5000),
}


@pytest.mark.parametrize("name", sorted(UNPARSABLE))
def test_3_a_file_a_reader_chokes_on_is_refused_and_the_source_goes_on(home, smtp, name):
    data = UNPARSABLE[name]()
    assert data.count(b"\n") == 3
    drop(home, name, data, dataset_id="utility.arrears", department="water")
    good = bad.csv_text(bad.records())  # a good file of another source is not held up either
    drop(home, "好的.csv", good.encode())
    (refused,) = run(home, "utility.arrears", "water")
    assert refused.outcome == "unreadable" and refused.notice and Path(refused.notice).exists()
    assert "无法解析" in refused.reason or "JSON" in refused.reason
    assert refused.reason.isascii() is False and "Traceback" not in refused.reason
    assert Path(refused.refused.quarantined).exists()
    assert [r.outcome for r in run(home)] == ["loaded"]
    # The next run does not meet it again: the source is not blocked.
    assert run(home, "utility.arrears", "water") == []
    assert counts(home)[0] == 1


# Refused values (处罚类别 outside its enumeration), so the notice quotes them.
FORMULA_VALUES = [
    "罚金\r=cmd|' /C calc'!A0",  # a bare CR, then DDE
    "\t=1+1",  # a leading tab
    '＝HYPERLINK("http://example.invalid")',  # a full-width =
]


def test_12_no_line_of_a_csv_we_write_starts_a_formula(home):
    import csv
    import io

    recs = bad.records(len(FORMULA_VALUES))
    for rec, value in zip(recs, FORMULA_VALUES):
        rec["处罚类别"] = value
    drop(home, "公式.csv", bad.csv_text(recs).encode("utf-8"))
    (result,) = run(home)
    assert result.loaded.rejected == len(FORMULA_VALUES)
    text = Path(result.sent.rejections_csv).read_text("utf-8-sig")
    triggers = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
    # Not a physical line (what a spreadsheet that splits at CR sees), not a cell, not a
    # line within a cell starts like a formula.
    assert not [ln for ln in text.replace("\r\n", "\n").split("\n") if ln.lstrip('"')[:1] in triggers]
    assert "\r" not in text.replace("\r\n", "")
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert not [c for c in cells for ln in c.split("\n") if ln[:1] in triggers]


@pytest.mark.parametrize("shape", ["csv", "xlsx", "jsonl"])
def test_17_a_value_of_format_characters_only_is_blank(home, tmp_path, shape):
    from creditpipe.devtools.simulators import write_table

    recs = bad.records(3)
    recs[0]["违法事实"] = "\u200b\u2060\ufeff"  # zero-width space, word joiner, BOM
    recs[1]["处罚依据"] = " \u200b\u3000\u200d "  # mixed with blanks
    path = tmp_path / f"隐形.{shape}"
    write_table(recs, path, shape)
    drop(home, path.name, path.read_bytes())
    (result,) = run(home)
    issues = json.loads(Path(result.sent.rejections_json).read_text("utf-8"))
    found = {(i["field"], i["rule"]) for r in issues["records"] for i in r["issues"]}
    assert {("违法事实", "required"), ("处罚依据", "required")} <= found
    assert result.loaded.rejected == 2


def test_16_two_validate_runs_into_one_folder_both_finish_with_a_whole_notice(tmp_path):
    """Two `creditpipe validate --out DIR` at once (a clerk's double click, two scripts)."""
    import subprocess
    import sys

    from creditpipe.devtools.simulators import write_table

    recs = bad.records(400)
    for rec in recs[::3]:
        rec["处罚类别"] = "罚金"
    delivered = tmp_path / "行政处罚.csv"
    write_table(recs, delivered, "csv")
    out = tmp_path / "out"
    args = [sys.executable, "-m", "creditpipe.cli", "validate", "--dataset", "market.admin_penalty"]
    for _ in range(4):
        runs = [subprocess.Popen([*args, str(delivered), "--out", str(out)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(3)]  # fmt: skip
        results = [(p.wait(), p.stderr.read()) for p in runs]
        assert [code for code, _ in results] == [0, 0, 0], [err[-300:] for _, err in results]
        assert sorted(p.name for p in out.iterdir()) == ["rejection_notice.xlsx", "rejections.csv"]
        import openpyxl

        assert openpyxl.load_workbook(out / "rejection_notice.xlsx").sheetnames[0] == "说明"


def test_18_every_error_is_one_line_of_chinese(home, tmp_path):
    import subprocess
    import sys

    def validate(*args):
        cmd = [sys.executable, "-m", "creditpipe.cli", "validate", "--dataset", "market.admin_penalty", *args]
        return subprocess.run(cmd, capture_output=True, text=True)

    good = tmp_path / "好.csv"
    good.write_text(bad.csv_text(bad.records()), encoding="utf-8")
    wrong_date = validate(str(good), "--out", str(tmp_path / "o"), "--delivery-date", "2026-13-01")
    assert wrong_date.returncode == 2 and "须为有效日期" in wrong_date.stderr and "month" not in wrong_date.stderr
    folder = tmp_path / "一个文件夹.csv"
    folder.mkdir()
    as_file = validate(str(folder), "--out", str(tmp_path / "o"))
    assert as_file.returncode == 2 and "是文件夹，不是文件" in as_file.stderr
    # JSON with a key twice: refused by name, not silently the last value.
    lines = [json.dumps(r, ensure_ascii=False) for r in bad.records(2)]
    lines[1] = lines[1][:-1] + ', "违法事实": "另一个值"}'
    drop(home, "重复键.jsonl", ("\n".join(lines) + "\n").encode("utf-8"))
    (result,) = run(home)
    assert result.outcome == "unreadable" and "第 2 行的字段“违法事实”出现了两次" in result.reason


@pytest.mark.parametrize("readable", [True, False])
def test_14_control_characters_in_a_file_name_go_no_further(home, readable):
    import sqlalchemy as sa

    from creditpipe.orchestration import steps

    name = "行政\x1b[31m处罚\x07.csv"
    recs = bad.records(3)
    recs[0]["处罚类别"] = "罚金"
    drop(home, name, bad.csv_text(recs).encode("utf-8") if readable else b"\x00\x01garbage")
    (result,) = run(home)
    assert result.notice and Path(result.notice).exists()
    import openpyxl

    book = openpyxl.load_workbook(result.notice)
    shown = [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert not [c for c in shown if "\x1b" in c or "\x07" in c]
    with steps.warehouse_engine(home).connect() as conn:
        logged = conn.execute(sa.text("SELECT file_name FROM delivered_file")).scalars().all()
    assert logged and not [n for n in logged if "\x1b" in n or "\x07" in n]


def test_13_a_dropped_file_cannot_back_date_its_own_delivery(home):
    """Decisions of 10 September delivered on 12 October (over 7 working days late): a
    column updated_at claiming 11 September does not hide it."""
    recs = bad.records(3, day=dt.date(2026, 9, 10))
    for rec in recs:
        rec["处罚决定日期"] = "2026-09-10"
        rec["updated_at"] = "2026-09-11T09:00:00"
    drop(home, "倒填.csv", bad.csv_text(recs).encode("utf-8"))
    (result,) = run(home)
    issues = json.loads(Path(result.sent.rejections_json).read_text("utf-8"))
    late = [i for r in issues["records"] for i in r["issues"] if i["severity"] == "warning"]
    assert len(late) == 3, late


@pytest.mark.parametrize("shape", ["jsonl", "csv_late"])
def test_4_a_nul_character_refuses_the_file_and_blocks_nothing(home, shape):
    recs = bad.records(3)
    if shape == "jsonl":
        lines = [json.dumps(r, ensure_ascii=False) for r in recs]
        lines[1] = lines[1].replace('"违法事实": "', '"违法事实": "\\u0000', 1)
        data = ("\n".join(lines) + "\n").encode("utf-8")
    else:  # a NUL byte after the first 64 KiB, where a sniff of the head does not look
        recs = bad.records(300)
        recs[-1]["违法事实"] = "当事人\x00违法"
        data = bad.csv_text(recs).encode("utf-8")
        assert data.index(b"\x00") > 65536
    drop(home, f"空字符.{'jsonl' if shape == 'jsonl' else 'csv'}", data)
    (result,) = run(home)
    assert result.outcome == "unreadable" and "含有空字符（NUL）" in result.reason and "违法事实" in result.reason
    assert counts(home) == (0, 0, 0, 0) and run(home) == []


@pytest.mark.parametrize(
    "key,hidden",
    [
        ("(2026)苏0281执1号|32028119880101234Ｘ", "19880101"),  # a full-width Ｘ
        ("(2026)苏0281执2号|320281880101234", "880101"),  # the old 15 digits
        ("(2026)苏0281执3号|320281 19880101 2345", "19880101"),  # broken by spaces
        ("(2026)苏0281执4号|320281-19880101-2345", "19880101"),  # and by hyphens
        ("(2026)苏0281执5号|３２０２８１１９８８０１０１２３４５", "１９８８０１０１"),  # full-width digits
        ("(2026)苏0281执6号|32028119880101234", "19880101"),  # 17 digits: a slip, still an ID
    ],
)
def test_2_a_court_key_shows_no_id_number_however_it_is_written(catalog, key, hidden):
    """The open-refusal list of the report (report.json, .xlsx, the page) shows each court
    record by its key: masked by the declaration's personal field, whatever the ID's shape."""
    from creditpipe.reporting.facts import MonthFacts

    facts = MonthFacts(None, catalog, "2026-10", dt.date(2026, 11, 1))
    shown = facts.masked_key("court.dishonest_debtor", key)
    assert hidden not in shown and "*" in shown and shown.split("|")[0] == key.split("|")[0]


def test_2_an_organisation_code_stays_readable(catalog):
    from creditpipe.reporting.facts import MonthFacts

    facts = MonthFacts(None, catalog, "2026-10", dt.date(2026, 11, 1))
    for code in ("9132028129141777XH", "71092609-4"):
        assert facts.masked_key("court.dishonest_debtor", f"(2026)苏0281执7号|{code}").endswith(code)


def test_11_a_subfolder_is_answered_and_a_file_from_the_future_is_taken(home):
    import os

    from test_bad_input import DELIVERED, UNTIL, landing

    sub = landing(home) / "十月补报"
    sub.mkdir()
    (sub / "行政处罚.csv").write_text(bad.csv_text(bad.records()), encoding="utf-8")
    os.utime(sub, (DELIVERED.timestamp(), DELIVERED.timestamp()))
    ahead = drop(home, "时钟超前.csv", bad.csv_text(bad.records(2, seed=12)).encode("utf-8"))
    year_2099 = dt.datetime(2099, 1, 1).timestamp()
    os.utime(ahead, (year_2099, year_2099))
    results = {Path(r.ref.path).name: r for r in run(home)}
    folder = results["十月补报"]
    assert folder.outcome == "unreadable" and "是文件夹，不是文件" in folder.reason and Path(folder.notice).exists()
    assert not sub.exists() and Path(folder.refused.quarantined).is_dir()  # kept aside, whole
    taken = results["时钟超前.csv"]
    assert taken.outcome == "loaded"
    assert run(home) == []
    import sqlalchemy as sa

    from creditpipe.orchestration import steps

    with steps.warehouse_engine(home).connect() as conn:
        when = conn.execute(sa.text("SELECT delivered_at FROM delivery_batch")).scalars().all()
    assert when == [UNTIL.isoformat(timespec="seconds")]


@pytest.mark.parametrize("case", ["second_sheet", "hidden_first"])
def test_10_every_sheet_is_read_or_refused_by_name(home, tmp_path, case):
    import openpyxl

    recs = bad.records(4)
    book = openpyxl.Workbook()
    first = book.active
    first.title = "十月"
    header = list(recs[0])
    first.append(header)
    for rec in recs[:2]:
        first.append([rec[h] or None for h in header])
    second = book.create_sheet("十一月")
    second.append(header)
    for rec in recs[2:]:
        second.append([rec[h] or None for h in header])
    if case == "hidden_first":
        book.remove(second)
        first.sheet_state = "hidden"
        book.create_sheet("空白")
    path = tmp_path / "两个表.xlsx"
    book.save(path)
    drop(home, path.name, path.read_bytes())
    (result,) = run(home)
    assert result.outcome == "unreadable"
    want = "工作表“十一月”也有数据" if case == "second_sheet" else "第一个工作表“十月”是隐藏的"
    assert want in result.reason


def test_9_a_file_overwritten_while_it_is_read_never_loads_in_part(home, monkeypatch):
    from creditpipe.ingest import split as splitting

    recs = bad.records(400)
    path = drop(home, "覆盖.csv", bad.csv_text(recs[:100]).encode("utf-8"))
    monkeypatch.setattr(splitting, "CHUNK_ROWS", 30)
    real = splitting.iter_tables

    def overwritten_half_way(source, dataset, rows):
        for n, item in enumerate(real(source, dataset, rows=rows)):
            if n == 1:  # the department's system writes the whole export again, bigger
                path.write_text(bad.csv_text(recs), encoding="utf-8")
            yield item

    monkeypatch.setattr(splitting, "iter_tables", overwritten_half_way)
    with pytest.raises(splitting.FileChangedError, match="在读取时被改动"):
        run(home)
    assert counts(home) == (0, 0, 0, 0) and not list((home / "work" / "split").iterdir())
    monkeypatch.setattr(splitting, "iter_tables", real)
    import os

    os.utime(path, (DELIVERED_TS, DELIVERED_TS))
    (result,) = run(home)
    assert result.outcome == "loaded" and result.loaded.received == 400
    assert run(home) == []


DELIVERED_TS = dt.datetime(2026, 10, 12, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()


def _inline_string_xlsx(rows: list[list[str]], path: Path) -> bytes:
    """A workbook whose sheet carries its text inline (t="inlineStr"), as some export tools
    write it: nothing goes through the shared-strings table."""
    import zipfile
    from xml.sax.saxutils import escape

    import openpyxl
    from openpyxl.utils import get_column_letter

    openpyxl.Workbook().save(path)
    cells = "".join(
        f'<row r="{r}">'
        + "".join(
            f'<c r="{get_column_letter(c)}{r}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
            for c, v in enumerate(row, start=1)
        )
        + "</row>"
        for r, row in enumerate(rows, start=1)
    )
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{cells}</sheetData></worksheet>"
    )
    with zipfile.ZipFile(path) as src:
        members = {i.filename: src.read(i) for i in src.infolist()}
    members["xl/worksheets/sheet1.xml"] = sheet.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for member, data in members.items():
            out.writestr(member, data)
    return path.read_bytes()


@pytest.mark.parametrize("case", ["wide", "long_json_line", "xlsx_strings", "xlsx_inline", "xlsx_cell"])
def test_15_what_is_too_big_is_refused_saying_so(home, tmp_path, monkeypatch, case):
    from creditpipe.ingest import layout, readers

    recs = bad.records(2)
    if case == "wide":
        header = bad.csv_text(recs).split("\r\n")[0] + "," + ",".join(f"空列{i}" for i in range(1200))
        data = (header + "\r\n" + "\r\n".join(bad.csv_text(recs).split("\r\n")[1:])).encode("utf-8")
        name, said = "宽.csv", "超过 1,000 列的上限"
    elif case == "long_json_line":
        monkeypatch.setattr(readers, "MAX_LINE_CHARS", 10_000)
        recs[1]["违法事实"] = "很长" * 10_000
        data = ("\n".join(json.dumps(r, ensure_ascii=False) for r in recs) + "\n").encode("utf-8")
        name, said = "长.jsonl", "第 2 行超过 10,000 个字符"
    elif case in ("xlsx_inline", "xlsx_cell"):  # text written inline in the sheet, not shared
        monkeypatch.setattr(readers, "MAX_CELL_CHARS", 10_000)
        recs[1]["违法事实"] = "很长" * 40_000 if case == "xlsx_inline" else "x" * 12_000
        rows = [list(recs[0]), *[[str(v or "") for v in rec.values()] for rec in recs]]
        data, name = _inline_string_xlsx(rows, tmp_path / "内联.xlsx"), "内联.xlsx"
        column = list(recs[0]).index("违法事实") + 1
        said = "的工作表中有单元格" if case == "xlsx_inline" else f"第 3 行第 {column} 列的单元格"
        said += "超过 10,000 个字符的上限"
    else:
        monkeypatch.setattr(readers, "MAX_SHARED_STRINGS_BYTES", 50_000)
        recs[1]["违法事实"] = "很长" * 40_000
        import xlsxwriter  # as most export tools do: text in the shared-strings table

        book = xlsxwriter.Workbook(str(tmp_path / "大.xlsx"))
        sheet = book.add_worksheet()
        for r, row in enumerate([list(recs[0]), *[list(rec.values()) for rec in recs]]):
            for c, value in enumerate(row):
                sheet.write_string(r, c, str(value or ""))
        book.close()
        data, name, said = (tmp_path / "大.xlsx").read_bytes(), "大.xlsx", "超过 0 MB 的上限"
    assert layout.MAX_COLUMNS == 1_000
    drop(home, name, data)
    (result,) = run(home)
    assert result.outcome == "unreadable" and said in result.reason


def test_5_a_notice_a_run_failed_to_send_is_sent_by_the_next(home, smtp):
    """A delivery loaded, then the run died before its notice went out: the file is known
    by its bytes and is not collected again, yet the next run sends its notice, once."""
    from creditpipe.orchestration import steps

    recs = bad.records(3)
    recs[0]["处罚类别"] = "罚金"
    drop(home, "处罚.csv", bad.csv_text(recs).encode("utf-8"))
    (ref,) = steps.collect("market.admin_penalty", "market", UNTIL, home)
    loaded = steps.load(steps.check_file(ref.dataset_id, ref.path, home, department_id="market"), home)
    assert loaded.status == "loaded" and loaded.rejected == 1
    assert not list((home / "outbox").rglob("rejection_notice.xlsx"))

    assert run(home) == []  # nothing new is collected …
    (notice,) = (home / "outbox").rglob("rejection_notice.xlsx")  # … but the notice owed is sent
    mailed = [m for _, m in smtp.messages if "退回" in m["Subject"]]
    assert len(mailed) == 1
    run(home)
    assert len([m for _, m in smtp.messages if "退回" in m["Subject"]]) == 1  # and only once
    assert counts(home) == (1, 3, 2, 1)


def test_14_the_same_unreadable_bytes_again_keep_the_first_delivery_in_the_log(home):
    from creditpipe.warehouse.collection_log import collection_log

    first = dt.datetime(2026, 10, 12, 10, 0, tzinfo=UNTIL.tzinfo)
    drop(home, "第一次.csv", b"\x00\x01garbage", when=first)
    (refused,) = run(home)
    drop(home, "第二次.csv", b"\x00\x01garbage", when=first + dt.timedelta(days=1))
    (again,) = run(home)
    assert refused.outcome == again.outcome == "unreadable"
    from creditpipe.orchestration import steps

    steps.refuse_file(again.unreadable, home)  # the step retried adds no row
    logged = [(r["file_name"], r["delivered_at"][:10]) for r in collection_log(steps.warehouse_engine(home), "2026-10")]
    assert logged == [("第一次.csv", "2026-10-12"), ("第二次.csv", "2026-10-13")]


def test_2_the_court_suite_refuses_a_whole_id_number(home, tmp_path):
    """The court publishes a person's ID masked; a whole, valid 18-digit number matched the
    credit-code alternative of the format and went in unmasked."""
    import random

    from creditpipe.devtools.simulators import make_delivery
    from creditpipe.devtools.simulators.court_dishonest_debtor import is_person
    from creditpipe.orchestration import steps
    from creditpipe.quality.chunks import read_verdict

    day = dt.date(2026, 10, 9)
    recs, _ = make_delivery("court.dishonest_debtor", "court", random.Random(8), [day] * 6, day, [])
    person = next(i for i, r in enumerate(recs) if is_person(r))
    organisation = next(i for i, r in enumerate(recs) if not is_person(r))
    whole = "320281198801012344"  # valid: its check character is right
    recs[person]["身份证号码/组织机构代码"] = whole
    path = tmp_path / "debtors.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    checked = steps.check_file("court.dishonest_debtor", path, home, department_id="court")
    _, verdict = read_verdict(checked.work_dir)
    refused = verdict.issues[verdict.issues["rule"] == "unmasked_resident_id"]
    assert refused["source_row"].astype(int).tolist() == [person + 1]
    assert whole not in " ".join(refused["message"])
    assert organisation + 1 not in set(verdict.issues["source_row"].astype(int))


def test_17_a_direction_override_inside_a_name_is_refused(home):
    """U+202E inside a name shows it backwards (江阴市 + 司公限有鑫恒 reads as a company):
    refused, saying which character and where; quotes and ellipses stay legal."""
    recs = bad.records(3)
    recs[0]["行政相对人名称"] = "江阴市\u202e司公限有鑫恒"
    recs[1]["违法事实"] = "当事人“超范围经营”……"
    drop(home, "方向.csv", bad.csv_text(recs).encode("utf-8"))
    (result,) = run(home)
    issues = json.loads(Path(result.sent.rejections_json).read_text("utf-8"))
    refused = [(r["source_row"], i["rule"], i["message"]) for r in issues["records"] for i in r["issues"]]
    assert refused == [
        (1, "control_characters", "行政相对人名称中含有不应出现的字符：第 4 个字符是看不见的 U+202E（从右至左强制）")
    ]
    assert counts(home) == (1, 3, 2, 1)


def test_6_a_record_dated_ahead_of_the_clock_is_refused_and_reported_once(home, monkeypatch):
    """A department's API sends a licence whose change time is in 2099 (its server's clock):
    refused and named in the notice, the watermark left in the window; told once, not every
    run; once corrected, it is read and closes the refusal."""
    import random

    from creditpipe.devtools.simulators import make_delivery, stamp_changes
    from creditpipe.devtools.simulators.api_server import SimulatedApi
    from creditpipe.orchestration import steps
    from creditpipe.warehouse.load import read_watermark

    oct1 = dt.datetime(2026, 10, 1, tzinfo=UNTIL.tzinfo)
    day = dt.date(2026, 10, 9)
    recs, _ = make_delivery("market.admin_license", "market", random.Random(4), [day] * 5, day, [])
    stamp_changes(recs, oct1, oct1 + dt.timedelta(days=20))
    wrong = dict(recs.pop(), updated_at="2099-01-01T08:00:00")

    def run(until):
        return steps.ingest_source("market.admin_license", "market", until, home)

    with SimulatedApi(token="t") as api:
        monkeypatch.setenv("AIRFLOW_CONN_CREDITPIPE_API_MARKET", api.connection_uri())
        api.add("/api/v1/admin-licenses", [*recs, wrong])
        api.misbehave("ignore_window")
        (first,) = run(UNTIL)
        notice = json.loads(Path(first.sent.rejections_json).read_text("utf-8"))
        refused = [i["rule"] for r in notice["records"] for i in r["issues"] if i["severity"] == "error"]
        assert refused == ["change_after_collection"]
        assert (first.loaded.received, first.loaded.rejected) == (5, 1)
        assert read_watermark(steps.warehouse_engine(home), "market.admin_license", "market") < "2026-11"
        assert run(UNTIL + dt.timedelta(days=1)) == []  # told once: not refused again each run

        api.routes["/api/v1/admin-licenses"].remove(wrong)  # the department corrects its clock
        api.add("/api/v1/admin-licenses", [dict(wrong, updated_at="2026-11-02T09:00:00")])
        (fixed,) = run(UNTIL + dt.timedelta(days=3))
        assert (fixed.loaded.received, fixed.loaded.rejected) == (1, 0)
    with steps.warehouse_engine(home).connect() as conn:
        import sqlalchemy as sa

        assert conn.execute(sa.text("SELECT COUNT(*) FROM refused_record WHERE closed_by_batch IS NULL")).scalar() == 0
