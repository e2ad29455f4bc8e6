"""The steps of the monthly and warning DAGs: which month a run is for, the month's
信息规范性 figures, the early warnings after a load, the month's report. Each DAG task
calls one of these (task name = step name); heavy imports stay inside them."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from creditpipe.core import settings
from creditpipe.core.catalog import load_catalog
from creditpipe.core.clock import county_now, county_time
from creditpipe.orchestration.steps import warehouse_engine

log = logging.getLogger(__name__)


def resolve_month(chosen: str | None, moment: dt.datetime | None = None) -> str:
    """The month a monthly run is for: the one chosen (the run's ``month`` param), else the
    month before the run's moment, in county time."""
    from creditpipe.core.months import check_month, month_before

    if chosen:
        return check_month(chosen)
    return month_before(county_time(moment or dt.datetime.now(dt.UTC)).date())


def compute_figures(month: str, home=None) -> dict:
    """Compute, store and write the month's 信息规范性 figures; the path of their JSON is
    handed on to the report."""
    from creditpipe.reporting.conformity import compute_conformity, write_figures

    catalog = load_catalog()
    figures = compute_conformity(warehouse_engine(home), catalog, month)
    out = write_figures(figures, catalog, settings.paths(home).reports / month)
    return {"month": month, "departments": len(figures), **out}


def raise_warnings(moment: dt.datetime, home=None) -> dict:
    """After a load (or the working-morning check): evaluate the early-warning rules on the
    current month as of now (what fell due so far), and alert the credit office at once to
    what is new. A month that has ended is judged once, by the monthly DAG."""
    from creditpipe.core.labels import LEVEL_NAMES
    from creditpipe.reporting.facts import MonthFacts
    from creditpipe.reporting.warnings import alert, evaluate_and_record

    catalog = load_catalog()
    engine = warehouse_engine(home)
    now = county_time(moment)
    facts = MonthFacts(engine, catalog, now.strftime("%Y-%m"), now.date(), cutoff=now.isoformat(timespec="seconds"))
    new = evaluate_and_record(facts, now)
    sent = alert(engine, catalog, new, now, contacts=facts.townships.contacts)
    # XCom keys travel in URLs: ASCII names for the levels 红, 橙, 黄.
    levels = {name: sum(w.level == lv for w in new) for lv, name in LEVEL_NAMES.items()}
    log.info(
        "截至 %s 评估预警：新增 %d 条（%s）；%s",
        now.isoformat(timespec="minutes"),
        len(new),
        "，".join(f"{lv} {sum(w.level == lv for w in new)}" for lv in LEVEL_NAMES) or "无",
        "已邮件告知" if sent["mailed"] else "未邮件告知（无新增，或未配置 SMTP 连接）",
    )
    return {
        "as_of": now.isoformat(timespec="seconds"),
        "new": len(new),
        **{f"new_{k}": v for k, v in levels.items()},
        **sent,
    }


def publish_report(
    month: str,
    moment: dt.datetime | None = None,
    home=None,
    send: bool = True,
    figures: str | None = None,
    resend: bool = False,
) -> dict:
    """The month's report in its three forms, the index, warnings alerted, and the mail to
    the credit office (once a month unless ``resend``); ``figures``: the month's figures as
    ``compute_figures`` wrote them."""
    import json

    from creditpipe.reporting.publish import publish_month

    now = county_time(moment) if moment else county_now()
    handed = json.loads(Path(figures).read_text(encoding="utf-8")) if figures else None
    return publish_month(
        warehouse_engine(home),
        load_catalog(),
        month,
        settings.paths(home).reports,
        send=send,
        now=now,
        figures=handed,
        alert_warnings=send,
        resend=resend,
    )
