"""One delivery end to end, alone in its process so its peak memory is its own:
CSV on disk → checked (read + verdicts) → loaded into the warehouse → notice written.

    python bench/e2e.py <csv>     with CREDITPIPE_WAREHOUSE_URL and CREDITPIPE_HOME set

Prints a JSON line each time an inner step ends (its calls and seconds so far, the RSS
after it and the peak so far, so the step that sets the peak can be seen), then, last,
one JSON line with the three steps' seconds, rows/s, the process's peak RSS
(ru_maxrss) and its CPU seconds."""

from __future__ import annotations

import functools
import json
import resource
import sys
import threading
import time

import_started = time.perf_counter()
from creditpipe.core.handoffs import CheckedBatch  # noqa: E402
from creditpipe.ingest import split as splitting  # noqa: E402
from creditpipe.notice import drafts  # noqa: E402
from creditpipe.orchestration import steps as pipeline  # noqa: E402
from creditpipe.quality import chunks  # noqa: E402
from creditpipe.warehouse import load as loading  # noqa: E402

DATASET = "market.admin_penalty"
steps: dict[str, dict] = {}  # name → calls, seconds in all, memory when it last ended
# The chunks are checked on threads: two ending together must both be counted.
steps_lock = threading.Lock()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def watch(module, name: str) -> None:
    """Time every call of module.name (the pipeline calls these by their module-level
    names). A name the project no longer has is skipped, not an error: the figures
    that matter are the outer steps."""
    inner = getattr(module, name, None)
    if inner is None:
        return

    @functools.wraps(inner)
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            with steps_lock:
                step = steps.setdefault(name, {"step": name, "calls": 0, "s": 0.0})
                step.update(
                    calls=step["calls"] + 1,
                    s=round(step["s"] + time.perf_counter() - started, 3),
                    rss_mb_after=round(rss_mb()),
                    peak_mb_so_far=round(peak_mb()),
                )
                # Said as it happens: if the run is stopped, the parent still knows how far it got.
                print(json.dumps(step), flush=True)

    setattr(module, name, timed)


# The inner steps, by the module-level names the steps call them by.
watch(splitting, "split_delivery")
for name in ("check_part", "merge_parts", "read_verdict"):
    watch(chunks, name)
for name in ("load_checked_batch", "verify_batch"):
    watch(loading, name)
for name in ("write_rejections_csv", "write_rejections_json", "write_rejection_notice"):
    watch(drafts, name)


def main(path: str) -> dict:
    imported = time.perf_counter() - import_started
    started = time.perf_counter()
    checked = pipeline.check_file(DATASET, path)
    t_check = time.perf_counter()
    if not isinstance(checked, CheckedBatch):
        raise SystemExit(f"not checked: {checked}")
    loaded = pipeline.load(checked)
    t_load = time.perf_counter()
    if loaded.status != "loaded":
        raise SystemExit(f"not loaded: {loaded}")
    noticed = pipeline.send_rejection_notice(loaded)
    t_notice = time.perf_counter()
    if not noticed.notice:
        raise SystemExit(f"no notice written: {noticed}")
    return {
        "received": checked.received,
        "accepted": checked.accepted,
        "rejected": checked.rejected,
        "import_s": round(imported, 3),
        "check_s": round(t_check - started, 3),
        "load_s": round(t_load - t_check, 3),
        "notice_s": round(t_notice - t_load, 3),
        "total_s": round(t_notice - started, 3),
        "rows_per_s": round(checked.received / (t_notice - started)),
        "steps": list(steps.values()),
        "peak_rss_mb": round(peak_mb()),
        # This process's CPU (all its threads; PostgreSQL's own is not in it): on 2 cores,
        # rows / (cpu_s / 2) is as fast as this process could go with both cores its own.
        "cpu_s": round(cpu_s(), 1),
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])), flush=True)
