"""What a delivered file is before any record of it is read: its bytes' hash, and whether
it is a file we can read at all (an empty file, an encrypted or old workbook, a web page or
UTF-16 text under a spreadsheet's name are refused by their first bytes, saying what they
are and how to send them instead)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from creditpipe.core.names import shown_name

ENCODINGS = ("utf-8-sig", "gb18030")
SUPPORTED = (".csv", ".xlsx", ".jsonl", ".ndjson")


class DeliveryError(ValueError):
    """The file cannot be read as a delivery of the dataset; the message is one line of Chinese."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


RESAVE = "请在 Excel 中“另存为”Excel 工作簿（.xlsx）或“CSV UTF-8（逗号分隔）”后重新报送"


def sniff_file(path: Path) -> None:
    """Refuse by its first bytes a file that is no delivery we can read, saying what it is
    and how to send it instead: empty, an encrypted workbook, an old .xls, a web page or
    XML saved under a spreadsheet's name, a UTF-16 or UTF-32 text."""
    name, suffix = shown_name(path.name), path.suffix.lower()
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    if not head:
        raise DeliveryError(f"{name} 是空文件（0 字节），可能导出失败或上传未完成；请重新导出后报送")
    if head.startswith(OLE_MAGIC):  # an OLE compound file: Office 97-2003, or an encrypted OOXML
        streams = path.read_bytes()
        if "EncryptedPackage".encode("utf-16-le") in streams or "EncryptionInfo".encode("utf-16-le") in streams:
            raise DeliveryError(
                f"{name} 是设置了打开密码的加密工作簿，系统无法读取；请在 Excel 中取消密码"
                "（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后重新报送"
            )
        if "Workbook".encode("utf-16-le") in streams or "Book".encode("utf-16-le") in streams:
            raise DeliveryError(f"{name} 是旧版 Excel 97-2003 工作簿（.xls），系统不读取此格式；{RESAVE}")
        raise DeliveryError(f"{name} 是 Office 97-2003 格式的文件，不是表格数据；{RESAVE}")
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")) or (
        suffix in (".csv", ".jsonl", ".ndjson", ".txt") and b"\x00" in head
    ):
        raise DeliveryError(
            f"{name} 是 UTF-16（Unicode）编码的文本，常见于 Excel 的“Unicode 文本”导出；系统只读取 UTF-8 或 "
            "GB18030 编码的 CSV，请在 Excel 中“另存为 → CSV UTF-8（逗号分隔）”后重新报送"
        )
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:64].lower()
    if not head.startswith(b"PK") and suffix in (".xlsx", ".xls") and start.startswith((b"<", b"<?xml")):
        kind = "网页（HTML）" if b"<?xml" not in start else "XML 表格（Excel 2003 XML）"
        raise DeliveryError(f"{name} 实际是{kind}格式，只是扩展名为 {suffix}；{RESAVE}")
