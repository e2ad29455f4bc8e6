"""Landing folders: which files are deliveries, and where a file we cannot read is kept.

Pickup rule: a file is a delivery once it has not changed for SETTLE_SECONDS (an upload
still being written keeps changing; its size and time are checked again after it is
hashed). Excel's lock files (~$…), hidden files and names of uploads in progress are never
deliveries. Any other file is: one we cannot read (an .xls, a .txt) is quarantined with a
notice to its department, never left unseen."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from creditpipe.core import settings
from creditpipe.core.clock import county_time, file_time
from creditpipe.core.names import safe_name, shown_name
from creditpipe.ingest.files import file_sha256

log = logging.getLogger(__name__)

SETTLE_SECONDS = int(os.environ.get("CREDITPIPE_SETTLE_SECONDS", "60"))
PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".filepart", ".upload", ".swp")


def is_candidate(path: Path) -> bool:
    """Whether a landing folder's entry may be a delivery (not a lock file, a hidden file or
    an upload in progress by its name)."""
    name = path.name
    if name.startswith(("~$", ".")) or name.lower().endswith(PARTIAL_SUFFIXES):
        return False
    # A subfolder is picked up too, to be refused with a notice: files put in one would
    # otherwise never be read, logged or answered.
    return path.is_symlink() or path.is_file() or path.is_dir()


# A modification time this far ahead of the clock is the uploader's clock, not a later
# delivery: such a file is taken now, dated by the run, and the skew logged.
CLOCK_SKEW = dt.timedelta(minutes=5)


def clock_skewed(path: Path) -> bool:
    return file_time(path) > county_time(dt.datetime.now(dt.UTC)) + CLOCK_SKEW


def settled(path: Path, now: float) -> bool:
    """Unchanged for SETTLE_SECONDS (a modification time ahead of the clock is not settled)."""
    return now - path.lstat().st_mtime >= SETTLE_SECONDS


def new_files(folder: Path, until: dt.datetime, seen: Callable[[str], bool], label: str = "") -> list[Path]:
    """The deliveries in ``folder`` made by ``until`` whose bytes are not ``seen`` yet (by
    SHA-256), each once: the same bytes under two names are one delivery."""
    folder.mkdir(parents=True, exist_ok=True)
    until = county_time(until)
    new: list[Path] = []
    hashes: dict[str, str] = {}
    now = time.time()
    for path in sorted(folder.iterdir()):
        if not is_candidate(path):
            continue
        skewed = clock_skewed(path)
        if skewed:
            log.warning("%s: %s 的修改时间 %s 晚于当前时间（上传方时钟有误），按本次运行时间计", label,
                        shown_name(path.name), file_time(path).isoformat(timespec="seconds"))  # fmt: skip
        elif file_time(path) > until:
            continue
        if not skewed and not settled(path, now):
            log.info("%s: %s 仍在写入（%d 秒内有改动），下次运行再读取", label, shown_name(path.name), SETTLE_SECONDS)
            continue
        if path.is_symlink() or path.is_dir():  # refused when split, without reading it
            new.append(path)
            continue
        before = path.stat()
        sha256 = file_sha256(path)
        after = path.stat()
        if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
            log.info("%s: %s 在读取时被改动（仍在写入），下次运行再读取", label, shown_name(path.name))
            continue
        if sha256 in hashes:  # the same bytes under another name: one delivery
            log.info("%s: %s 与 %s 内容完全相同，只读取一次", label, shown_name(path.name), shown_name(hashes[sha256]))
            continue
        hashes[sha256] = path.name
        if not seen(sha256):
            new.append(path)
    log.info("%s: %d new file(s) in %s", label, len(new), folder)
    return new


def delivered_hash(path: Path) -> str:
    """A delivery's SHA-256; of a link, the hash of its target's name (what it points to is
    never read)."""
    if path.is_symlink():
        return hashlib.sha256(os.readlink(path).encode("utf-8", "surrogateescape")).hexdigest()
    if path.is_dir():  # of a folder, the hash of its name (a folder is refused, never read)
        return hashlib.sha256(f"folder:{path.name}".encode("utf-8", "surrogateescape")).hexdigest()
    return file_sha256(path)


def quarantine(
    department_id: str, source: Path, sha256: str, reason: str, delivered_at: dt.datetime, home=None
) -> Path:
    """A file that cannot be read is kept aside with the reason; the run goes on. Its
    stored name is built from the department, the month and its hash, never steered by the
    delivered name (which only lends a cleaned, shortened stem), and two files never share
    one. A file moved already (the step re-run) is found where it was put."""
    target = settings.paths(home).home / "quarantine" / department_id / delivered_at.strftime("%Y-%m")
    target.mkdir(parents=True, exist_ok=True)
    stored = target / stored_name(source.name, sha256)
    if os.path.lexists(source):
        shutil.move(str(source), stored)
        (target / (stored.name + ".原因.txt")).write_text(reason + "\n", encoding="utf-8")
        log.warning("%s: %s quarantined: %s", department_id, shown_name(source.name), reason)
    return stored


def stored_name(file_name: str, sha256: str) -> str:
    """``<cleaned stem, at most 40 characters>_<8 hex of the hash>.<suffix>``: within a
    file system's 255 bytes even in Chinese, with no way out of its folder."""
    suffix = "".join(ch for ch in Path(file_name).suffix.lower() if ch.isascii() and ch.isalnum())[:10]
    return f"{safe_name(Path(file_name).stem)[:40]}_{sha256[:8]}" + (f".{suffix}" if suffix else "")
