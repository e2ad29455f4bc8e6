"""Where a delivery's notice goes, and its draft: the notice's files are written while
PostgreSQL takes the load's COPY (``load`` drafts them in a thread) and published into the
department's outbox once the batch is in. A draft is complete or absent, and is sent only
for the very verdict it was drafted from (the check's ``processed_at``): a re-check makes
an older draft stale."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import uuid
from pathlib import Path

from creditpipe.core import settings
from creditpipe.core.catalog import load_catalog
from creditpipe.core.names import safe_name, shown_name
from creditpipe.core.records import Verdict
from creditpipe.notice.files import write_rejections_csv, write_rejections_json
from creditpipe.notice.workbook import write_rejection_notice

NOTICE_DRAFT = "notice_draft"
_DRAFTED_FOR = "drafted_for.json"


def write_notice_files(batch: dict, verdict: Verdict, folder: Path) -> tuple[Path, Path, Path]:
    """rejections.csv, rejections.json and the notice workbook of a batch, into ``folder``."""
    catalog = load_catalog()
    dataset = catalog.dataset(batch["dataset_id"])
    department = catalog.departments[batch["department_id"]]
    shown = shown_name(batch["file_name"], 120)
    csv_path = write_rejections_csv(verdict, folder)
    json_path = write_rejections_json(verdict, dataset, department, shown, folder)
    xlsx_path = write_rejection_notice(
        verdict,
        dataset,
        department,
        shown,
        dt.datetime.fromisoformat(batch["delivered_at"]),
        folder,
        extra_columns=batch.get("extra_columns") or [],
    )
    return csv_path, json_path, xlsx_path


def draft_notice(work_dir: Path, batch: dict, verdict: Verdict) -> Path:
    """The notice's files written whole into a folder of their own, then named the
    draft: a draft is complete or absent."""
    building = work_dir / f".{NOTICE_DRAFT}_{uuid.uuid4().hex[:12]}"
    building.mkdir()
    try:
        names = [p.name for p in write_notice_files(batch, verdict, building)]
        (building / _DRAFTED_FOR).write_text(
            json.dumps({"processed_at": batch["processed_at"], "files": names}), encoding="utf-8"
        )
        shutil.rmtree(work_dir / NOTICE_DRAFT, ignore_errors=True)
        building.rename(work_dir / NOTICE_DRAFT)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return work_dir / NOTICE_DRAFT


def published_draft(work_dir: Path, batch: dict, folder: Path) -> tuple[Path, Path, Path] | None:
    """The draft's files moved into the outbox ``folder``, if there is a draft of this
    very verdict; None otherwise (the caller writes them)."""
    draft = work_dir / NOTICE_DRAFT
    try:
        drafted = json.loads((draft / _DRAFTED_FOR).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = drafted.get("files") or []
    if (
        drafted.get("processed_at") != batch["processed_at"]
        or len(files) != 3
        or not all((draft / name).is_file() for name in files)
    ):
        shutil.rmtree(draft, ignore_errors=True)  # another check's: never sent
        return None
    folder.mkdir(parents=True, exist_ok=True)
    moved = tuple(Path(shutil.move(str(draft / name), str(folder / name))) for name in drafted["files"])
    shutil.rmtree(draft, ignore_errors=True)
    return moved


def outbox_folder(department_id: str, delivered_at: dt.datetime, file_name: str, sha256: str, home=None) -> Path:
    """outbox/<department>/<month>/<day>_<cleaned stem, at most 40 characters>_<8 hex of the
    file's hash>: the delivered name lends a stem and cannot steer the path."""
    return (
        settings.paths(home).outbox
        / department_id
        / delivered_at.strftime("%Y-%m")
        / f"{delivered_at:%Y%m%d}_{safe_name(Path(file_name).stem)[:40]}_{sha256[:8]}"
    )
