"""How a delivered file's name may be shown and used: quoted in messages, notices, mail
and logs without its control characters, and lending a stem to a path it cannot steer."""

from __future__ import annotations

import re
import unicodedata

_UNSAFE = re.compile(r"[^0-9A-Za-z._\u4e00-\u9fff-]+")


def shown_name(name: object, limit: int = 60) -> str:
    """A delivered file's name as we quote it in messages, notices, mail and logs: control
    characters (a line feed in a name would split a mail header or a log line) become
    "?", and a very long name is cut in the middle."""
    text = "".join("?" if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in str(name))
    if len(text) > limit:
        text = text[: limit - 12] + "…" + text[-11:]
    return text or "?"


def safe_name(text: str) -> str:
    """A file-name part that cannot climb out of its folder (no /, \\, .., control chars)."""
    cleaned = _UNSAFE.sub("_", text).strip("._") or "delivery"
    return cleaned[:80]
