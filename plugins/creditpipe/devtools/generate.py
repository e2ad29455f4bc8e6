"""``make suites`` (``creditpipe suites``): what is generated from the datasets'
declarations — each dataset's Great Expectations suite (``expectations/<suite>.json``) and
its table (``sql/datasets/<table>.sql``) — written, or with ``check`` only compared with what
is in the repository (the tests fail when the two differ)."""

from __future__ import annotations

from pathlib import Path

from creditpipe.core.catalog import Catalog
from creditpipe.quality.suites import suite_text
from creditpipe.warehouse.schema import dataset_ddl


def generated(catalog: Catalog, project: Path) -> dict[Path, str]:
    """Every generated file of the catalog's datasets, by path, with its text."""
    out: dict[Path, str] = {}
    for dataset in catalog.datasets.values():
        out[project / "expectations" / f"{dataset.suite}.json"] = suite_text(dataset)
        out[project / "sql" / "datasets" / f"{dataset.table}.sql"] = dataset_ddl(dataset, catalog)
    return out


def stale(catalog: Catalog, project: Path) -> list[Path]:
    """The generated files that are missing or differ from their declaration's."""
    return [
        p for p, text in generated(catalog, project).items() if not p.is_file() or p.read_text(encoding="utf-8") != text
    ]


def write(catalog: Catalog, project: Path) -> list[Path]:
    """Write the generated files that changed; returns them."""
    changed = stale(catalog, project)
    texts = generated(catalog, project)
    for path in changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(texts[path], encoding="utf-8")
    return changed
