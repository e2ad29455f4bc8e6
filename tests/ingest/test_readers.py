"""Reading files as departments send them."""

import datetime as dt
import random

import pytest

from creditpipe.devtools.simulators import write_table
from creditpipe.devtools.simulators.market_admin_penalty import Factory as PenaltyFactory
from creditpipe.ingest.files import DeliveryError
from creditpipe.ingest.fingerprint import records_fingerprint
from creditpipe.ingest.readers import read_delivery


def sample(n=5):
    factory = PenaltyFactory(random.Random(11))
    return [factory.record(dt.date(2026, 10, 10)) for _ in range(n)]


@pytest.mark.parametrize("fmt,encoding", [("csv", "utf-8"), ("csv", "utf-8-sig"), ("csv", "gb18030"), ("xlsx", None)])
def test_every_shape_reads_to_the_same_records(tmp_path, penalty, fmt, encoding):
    recs = sample()
    path = tmp_path / f"d.{fmt}"
    write_table(recs, path, fmt, encoding or "utf-8")
    delivery = read_delivery(path, penalty)
    assert delivery.received == 5
    assert delivery.records["source_row"].tolist() == [1, 2, 3, 4, 5]
    assert delivery.records.loc[0, "行政相对人名称"] == recs[0]["行政相对人名称"]
    assert delivery.records.loc[0, "处罚决定日期"] == "2026-10-10"
    reference = tmp_path / "ref.csv"
    write_table(recs, reference, "csv")
    assert delivery.content_sha256 == records_fingerprint(read_delivery(reference, penalty).records)


def test_headers_match_in_either_bracket_width_and_with_blanks(tmp_path, penalty):
    recs = [{(" 罚款金额(万元) " if k == "罚款金额（万元）" else k): v for k, v in r.items()} for r in sample(2)]
    path = tmp_path / "half-width.csv"
    write_table(recs, path, "csv")
    assert read_delivery(path, penalty).records["罚款金额（万元）"].notna().all()


def test_blank_rows_are_not_records_but_keep_numbering(tmp_path, penalty):
    path = tmp_path / "gaps.csv"
    write_table(sample(3), path, "csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0], lines[1], ",,,", lines[2], lines[3], "", ""]) + "\n", encoding="utf-8")
    records = read_delivery(path, penalty).records
    assert records["source_row"].tolist() == [1, 3, 4]


def test_missing_required_column_is_a_clear_error(tmp_path, penalty):
    recs = [{k: v for k, v in r.items() if k != "违法事实"} for r in sample(2)]
    path = tmp_path / "short.csv"
    write_table(recs, path, "csv")
    with pytest.raises(DeliveryError, match="缺少必需的列：违法事实"):
        read_delivery(path, penalty)


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("empty.csv", b"", "空文件"),
        ("latin.csv", "行政相对人名称\n".encode("utf-16"), "编码"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "XLSX"),
        ("notes.txt", b"hello", r"格式（\.txt）不受支持"),
    ],
)
def test_unreadable_files(tmp_path, penalty, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DeliveryError, match=message):
        read_delivery(path, penalty)


def test_json_lines_read_like_a_table(tmp_path, penalty):
    recs = sample(3)
    path = tmp_path / "d.jsonl"
    write_table(recs, path, "jsonl")
    delivery = read_delivery(path, penalty)
    assert delivery.file_format == "jsonl" and delivery.received == 3
    assert delivery.records.loc[2, "行政处罚决定书文号"] == recs[2]["行政处罚决定书文号"]
    reference = tmp_path / "ref.csv"
    write_table(recs, reference, "csv")
    assert delivery.content_sha256 == read_delivery(reference, penalty).content_sha256


def test_json_lines_with_a_broken_line_is_a_clear_error(tmp_path, penalty):
    path = tmp_path / "d.jsonl"
    path.write_text('{"行政相对人名称": "甲"}\n{"行政相对人名称": \n', encoding="utf-8")
    with pytest.raises(DeliveryError, match="第 2 行不是有效的 JSON"):
        read_delivery(path, penalty)
