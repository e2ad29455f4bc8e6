"""The fast CSV path (Arrow's reader) gives exactly the records Python's strict ``csv``
module gives — cells, blanks, source rows — and hands a file over to ``csv`` where the
two would differ: a row of another width, a quote left open, a header over two lines.
The fingerprint is the same whichever way (and in whatever chunks) the records came."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditpipe.core.catalog import load_catalog
from creditpipe.core.records import ROW_ID
from creditpipe.ingest.csv_scan import scan_csv as _scan_csv
from creditpipe.ingest.files import DeliveryError
from creditpipe.ingest.fingerprint import Fingerprint, records_fingerprint
from creditpipe.ingest.readers import NotArrow, arrow_csv, iter_chunks, iter_tables, python_csv, read_delivery

DATASET = load_catalog().dataset("market.admin_penalty")
FIELDS = DATASET.field_names
NAME, CATEGORY, CODE = "行政相对人名称", "行政相对人类别", "统一社会信用代码"


def line(*cells, width=None):
    cells = list(cells) + [""] * ((width or len(FIELDS)) - len(cells))
    return ",".join('"' + c.replace('"', '""') + '"' for c in cells)


HEADER = ",".join(FIELDS)
ROWS = [
    line("甲公司", "法人及非法人组织", "913202813203824156"),
    line("乙公司", "法人", " \u3000"),  # a blank (full-width space) cell
    line("丙公司\n分公司", "法人", "x\r\ny"),  # line breaks inside values
    line(),  # a wholly blank record
    line('他说"好"', "自然人", "  带空格  "),  # doubled quotes, blanks kept inside
]


def python_records(path, rows=1000):
    scan = _scan_csv(path)
    frames = [f for f, _ in python_csv(path, DATASET, rows, scan.encoding)]
    return pd.concat(frames, ignore_index=True)


def fast_records(path, rows=1000):
    return pd.concat([f for f, _ in iter_chunks(path, DATASET, rows=rows)], ignore_index=True)


def went_arrow(path, rows=1000) -> bool:
    try:
        list(arrow_csv(path, DATASET, rows, _scan_csv(path).encoding))
        return True
    except NotArrow:
        return False


def same(a: pd.DataFrame, b: pd.DataFrame):
    a, b = a.astype(object), b.astype(object)
    assert list(a.columns) == list(b.columns)
    assert a[ROW_ID].tolist() == b[ROW_ID].tolist()
    for c in a.columns:
        assert a[c].where(a[c].notna(), None).tolist() == b[c].where(b[c].notna(), None).tolist(), c


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("bom", [False, True])
def test_arrow_reads_what_csv_reads(tmp_path, newline, bom):
    path = tmp_path / "d.csv"
    text = newline.join([HEADER, *ROWS, ""])
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    assert _scan_csv(path).arrow_reads_alike and went_arrow(path)
    fast = fast_records(path)
    same(fast, python_records(path))
    assert fast[ROW_ID].tolist() == [1, 2, 3, 5]  # the blank record's number is kept
    assert fast.loc[1, CODE] is None and fast.loc[3, CODE] == "  带空格  "
    assert fast.loc[2, NAME] == "丙公司\n分公司"


def test_mixed_line_endings_and_an_empty_line(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(("\r\n".join([HEADER, ROWS[0]]) + "\n\n" + ROWS[1] + "\r" + ROWS[4] + "\n").encode())
    same(fast_records(path), python_records(path))
    assert fast_records(path)[ROW_ID].tolist() == [1, 3, 4]


def test_gb18030_is_read_alike(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes("\n".join([HEADER, *ROWS, ""]).encode("gb18030"))
    assert _scan_csv(path).encoding == "gb18030"
    assert went_arrow(path)
    same(fast_records(path), python_records(path))


@pytest.mark.parametrize("rows", [1, 2, 3, 1000])
def test_a_short_row_hands_the_rest_to_csv_with_the_same_records(tmp_path, rows):
    path = tmp_path / "d.csv"
    short = '"丁公司","法人"'
    path.write_text("\n".join([HEADER, ROWS[0], ROWS[1], ROWS[4], short, ROWS[0], ""]), encoding="utf-8")
    assert not went_arrow(path, rows)
    fast = fast_records(path, rows)
    same(fast, python_records(path))
    assert fast[ROW_ID].tolist() == [1, 2, 3, 4, 5]
    assert fast.loc[3, NAME] == "丁公司" and fast.loc[3, CODE] is None


def test_a_quote_left_open_is_refused_as_csv_refuses_it(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("\n".join([HEADER, ROWS[0], '"戊公司,"法人"', ROWS[1], ""]), encoding="utf-8")
    assert not _scan_csv(path).quotes_balanced
    with pytest.raises(DeliveryError, match="第 3 行的引号"):
        fast_records(path)


def test_a_stray_quote_is_not_read_by_arrow(tmp_path):
    """Balanced quotes, but one closes a cell early: Arrow would read 名称有限公司, strict
    csv refuses the file, and so does the pipeline."""
    path = tmp_path / "d.csv"
    path.write_text("\n".join([HEADER, ROWS[0], line("x").replace('"x"', '"名称"有限公司'), ""]), encoding="utf-8")
    scan = _scan_csv(path)
    assert scan.quotes_balanced and scan.stray_quote and not scan.arrow_reads_alike
    with pytest.raises(DeliveryError, match="第 3 行的引号"):
        fast_records(path)


def test_a_header_over_two_lines_is_read_by_csv(tmp_path):
    path = tmp_path / "d.csv"
    header = HEADER.replace(NAME, f'"{NAME}\n"', 1)
    path.write_text("\n".join([header, ROWS[0], ""]), encoding="utf-8")
    assert not went_arrow(path)
    assert fast_records(path)[NAME].tolist() == ["甲公司"]


def test_header_only_gives_no_records(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(HEADER + "\n", encoding="utf-8")
    tables = list(iter_tables(path, DATASET))
    assert len(tables) == 1 and tables[0][0].num_rows == 0
    assert tables[0][0].column_names == [ROW_ID, *FIELDS]


def test_the_fingerprint_is_the_same_in_any_chunks_and_any_format(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("\n".join([HEADER, *ROWS, ""]), encoding="utf-8")
    whole = records_fingerprint(read_delivery(path, DATASET).records)
    for rows in (1, 2, 1000):
        print_ = Fingerprint()
        for table, _ in iter_tables(path, DATASET, rows):
            print_.update(table)
        assert print_.hexdigest() == whole
    # A cell's bytes cannot run into the next cell's: "a" + "bc" is not "ab" + "c".
    a = pd.DataFrame({ROW_ID: [1], NAME: ["a"], CATEGORY: ["bc"]})
    b = pd.DataFrame({ROW_ID: [1], NAME: ["ab"], CATEGORY: ["c"]})
    assert records_fingerprint(a) != records_fingerprint(b)


def _breaks_in_quotes_walk(data: bytes) -> bool:
    """The plain definition: walk the bytes, toggling at each quote."""
    inside = False
    for byte in data:
        if byte == 0x22:
            inside = not inside
        elif byte in (0x0A, 0x0D) and inside:
            return True
    return False


def test_the_scan_says_whether_a_line_break_is_quoted(tmp_path):
    """Arrow looks for line breaks inside quoted cells (at half its speed) only when the
    scan found one; with or without, the records are those ``csv`` reads."""
    quoted = tmp_path / "quoted.csv"
    quoted.write_text("\n".join([HEADER, *ROWS, ""]), encoding="utf-8")
    plain = tmp_path / "plain.csv"
    plain.write_text("\n".join([HEADER, ROWS[0], ROWS[1], ROWS[4], ""]), encoding="utf-8")
    unquoted = tmp_path / "unquoted.csv"
    bare = ",".join(["甲公司", "法人", "913202813203824156"] + [""] * (len(FIELDS) - 3))
    unquoted.write_text("\r\n".join([HEADER, bare, ""]), encoding="gb18030")
    assert _scan_csv(quoted).quoted_line_break
    assert not _scan_csv(plain).quoted_line_break
    assert not _scan_csv(unquoted).quoted_line_break
    for path in (quoted, plain, unquoted):
        assert went_arrow(path)
        same(fast_records(path), python_records(path))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([b'"', b"\n", b"\r", b",", b"a", "名".encode()]), max_size=40),
    st.integers(min_value=0, max_value=40),
)
def test_quoted_line_breaks_are_found_across_blocks(pieces, cut):
    """Block by block with the quotes counted before each, as the scan reads a file in
    16 MB blocks, the answer is the walk's over the whole."""
    from creditpipe.ingest.csv_scan import line_break_in_quotes

    data = b"".join(pieces)
    cut = min(cut, len(data))
    first, second = data[:cut], data[cut:]
    found = line_break_in_quotes(first, 0) or line_break_in_quotes(second, first.count(b'"'))
    assert found == _breaks_in_quotes_walk(data)


def _stray_quote_walk(data: bytes) -> bool:
    """The plain definition: a quote with neither neighbour a comma, line break or quote."""
    edge = b',\r\n"'
    return any(data[i] == 0x22 and data[i - 1] not in edge and data[i + 1] not in edge for i in range(1, len(data) - 1))


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from([b'"', b'""', b"\n", b"\r", b"\r\n", b",", b'","', b"a", "名".encode()]), max_size=60),
    st.integers(min_value=1, max_value=24),
)
def test_the_scan_in_line_aligned_units_equals_the_walk(tmp_path_factory, pieces, block):
    """The whole scan, in blocks as small as a few bytes (each cut after a line feed, the
    RE2 pre-check deciding which need the exact walk), says what walking the file says:
    whether a line break is quoted, whether a quote is stray, whether the quotes balance."""
    from creditpipe.ingest import csv_scan

    data = b"".join(pieces)
    path = tmp_path_factory.mktemp("scan") / "d.csv"
    path.write_bytes(data or b"\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(csv_scan, "SCAN_BLOCK", block)
        scan = csv_scan.scan_csv(path)
    whole = data or b"\n"
    assert scan.quotes_balanced == (whole.count(b'"') % 2 == 0)
    if scan.quotes_balanced:  # with the quotes left open a file is refused whatever the rest
        assert scan.quoted_line_break == _breaks_in_quotes_walk(whole)
    assert scan.stray_quote == _stray_quote_walk(b"\n" + whole + b"\n")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b'"', b"\n", b"\r", b",", b"a", "名".encode()]), max_size=40))
def test_the_pre_check_gives_the_walks_facts_for_a_line_aligned_block(pieces):
    from creditpipe.ingest.csv_scan import block_facts

    unit = b"".join(pieces) + b"\n"
    assert block_facts(b"\n\n", unit, unit, line_aligned=True) == block_facts(b"\n\n", unit, unit)
