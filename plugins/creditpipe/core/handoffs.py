"""The hand-offs between the pipeline's steps: frozen dataclasses, each carried by XCom as a
plain dict (``to_xcom``) and rebuilt from it (``from_xcom``), one conversion for all.
They hold paths and counts, never records: a delivery's records stay in files under the
work folder.

    collect ─ DeliveryRef ─▶ split ─┬─ SplitDelivery (its ChunkRefs) ─▶ check ─ JudgedChunk ─▶ merge
                                    ├─ ZeroReport ─▶ record_zero_report
                                    └─ UnreadableFile ─▶ refuse_file ─ FileRefused
    merge ─ CheckedBatch ─▶ load ─ LoadOutcome ─▶ send_rejection_notice ─ NoticeSent
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class Handoff:
    """What every hand-off shares: its conversion to and from what XCom carries. The dict
    names its kind, so a step that may return one of two kinds is read back as either."""

    # Fields holding a tuple of another hand-off: the kind of their items.
    _items: ClassVar[dict[str, type]] = {}

    def to_xcom(self) -> dict:
        out = {"kind": type(self).__name__}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = [v.to_xcom() for v in value] if f.name in self._items else value
        return out

    @classmethod
    def from_xcom(cls, value):
        """The hand-off a dict from XCom carries (of this kind, or of one of its kinds when
        called on ``Handoff``); a hand-off passes as it is."""
        if isinstance(value, Handoff):
            return value
        kind = KINDS.get(value.get("kind", cls.__name__))
        if kind is None or (cls is not Handoff and kind is not cls):
            raise TypeError(f"not a {cls.__name__}: {value.get('kind')!r}")
        names = {f.name for f in dataclasses.fields(kind)}
        data = {k: v for k, v in value.items() if k in names}
        for name, item in kind._items.items():
            data[name] = tuple(item.from_xcom(v) for v in data.get(name) or ())
        return kind(**data)


@dataclass(frozen=True)
class DeliveryRef(Handoff):
    """A delivery a source made: a file in a landing folder, or a pull staged as a file.
    ``delivered_at`` dates it: a pull by the newest change it carries (the end of its change
    window), a landed file by its modification time; ``watermark`` the newest change time a
    pull staged, ``until`` the run's moment it asked up to."""

    dataset_id: str
    department_id: str
    path: str
    delivered_at: str | None = None
    watermark: str | None = None
    until: str | None = None


@dataclass(frozen=True)
class ChunkRef(Handoff):
    """One chunk of a split delivery: its part (Arrow IPC) and the delivery's manifest."""

    manifest: str
    part: str
    index: int


@dataclass(frozen=True)
class SplitDelivery(Handoff):
    """A delivery read once and split into chunks; its manifest holds the file's facts."""

    _items: ClassVar[dict[str, type]] = {"chunks": ChunkRef}

    manifest: str
    chunks: tuple[ChunkRef, ...]


@dataclass(frozen=True)
class UnreadableFile(Handoff):
    """A delivery that could not be read as the dataset's: it goes back whole, with the
    reason (one line of Chinese, no record content)."""

    dataset_id: str
    department_id: str
    path: str
    file_name: str
    file_sha256: str
    delivered_at: str
    reason: str


@dataclass(frozen=True)
class ZeroReport(Handoff):
    """A delivery with the standard's header and no record: the department's 本期无数据 for
    the days from ``covers_from`` to ``covers_until`` (ISO dates)."""

    dataset_id: str
    department_id: str
    path: str
    file_name: str
    file_sha256: str
    delivered_at: str
    covers_from: str
    covers_until: str


@dataclass(frozen=True)
class JudgedChunk(Handoff):
    """A chunk judged by the per-record rules: its issues, and its keys for the merge."""

    manifest: str
    index: int
    issues: str
    keys: str
    records: int


@dataclass(frozen=True)
class CheckedBatch(Handoff):
    """A delivery's verdict, whole: the batch and its issues in ``work_dir``."""

    batch_id: str
    work_dir: str
    received: int
    accepted: int
    rejected: int


@dataclass(frozen=True)
class LoadOutcome(Handoff):
    """What the load did with a checked batch: ``loaded``, or ``already_loaded`` (the same
    records came before: the file is logged as a duplicate of that batch)."""

    batch_id: str
    work_dir: str
    status: str
    received: int
    accepted: int
    rejected: int


@dataclass(frozen=True)
class NoticeSent(Handoff):
    """The rejection notice of a loaded batch in its department's outbox (None for a
    duplicate delivery, whose notice went out with the first), and whether it was mailed."""

    batch_id: str
    notice: str | None = None
    rejections_csv: str | None = None
    rejections_json: str | None = None
    mailed: bool = False


@dataclass(frozen=True)
class FileRefused(Handoff):
    """An unreadable delivery kept aside with its reason, logged, and its notice sent."""

    file_name: str
    quarantined: str
    notice: str
    rejections_json: str
    mailed: bool = False


# Every kind of hand-off, by name: each subclass, so a new one cannot be left out.
KINDS: dict[str, type[Handoff]] = {k.__name__: k for k in Handoff.__subclasses__()}
