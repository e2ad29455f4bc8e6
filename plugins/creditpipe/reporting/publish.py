"""Publishing a month: what the monthly DAG and ``creditpipe report --month`` run —
the warnings evaluated and stored, the report in its three forms, the index of months, and
(when asked) the e-mail to the credit office with the PDF attached."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

from sqlalchemy.engine import Engine

from creditpipe.core.catalog import Catalog
from creditpipe.core.clock import county_now
from creditpipe.core.labels import LEVELS
from creditpipe.reporting import warnings as early_warning
from creditpipe.reporting.facts import MonthFacts
from creditpipe.reporting.model import build_model

log = logging.getLogger(__name__)
# In a month's report folder once its report was mailed to the credit office.
MAILED_MARKER = "mailed.json"


def publish_month(
    engine: Engine,
    catalog: Catalog,
    month: str,
    reports_dir: Path,
    *,
    as_of: dt.date | None = None,
    send: bool = False,
    now: dt.datetime | None = None,
    formats=("html", "pdf", "xlsx"),
    figures: list[dict] | None = None,
    alert_warnings: bool = False,
    resend: bool = False,
) -> dict:
    """The month read once (``MonthFacts``), and from it: the warnings evaluated and stored
    (the new ones mailed to the credit office if ``alert_warnings``), the report in its forms with
    the month's figures (``figures`` when handed on, else computed from the same facts),
    the index of months, and the report mailed if ``send`` — once per month: a re-run (a
    first unpause's catch-up tick, a manual trigger) publishes again but mails only when
    ``resend`` asks for it."""
    from creditpipe.reporting.quarterly import quarter_model, quarter_of, render_quarter
    from creditpipe.reporting.render import render_index, render_report

    now = now or county_now()
    facts = MonthFacts.judged(engine, catalog, month, now, as_of)
    new = early_warning.evaluate_and_record(facts, now)
    alerted = (
        early_warning.alert(engine, catalog, new, now, contacts=facts.townships.contacts)
        if alert_warnings
        else {"mailed": False}
    )
    model = build_model(facts, figures, now)
    paths = render_report(model, reports_dir / month, formats)
    quarter = quarter_of(month)
    if quarter:  # the quarter's last month: its ranking too (seed 000: 季度公布)
        ranking = render_quarter(quarter_model(facts, model), reports_dir / quarter, formats)
        paths.update({f"quarter_{k}": v for k, v in ranking.items()})
    index = render_index(reports_dir, catalog.county.get("name", ""))
    out = {
        "month": month,
        "index": str(index),
        **{k: str(v) for k, v in paths.items()},
        "warnings": len(model["warnings"]),
        "new_warnings": len(new),
        "warnings_mailed": alerted["mailed"],
        "mailed": False,
    }
    marker = reports_dir / month / MAILED_MARKER
    if send and marker.exists() and not resend:
        log.info("%s 的报告此前已邮件发送（%s），不再发送；需再发请勾选参数 resend", month, marker)
        out["already_mailed"] = json.loads(marker.read_text(encoding="utf-8")).get("mailed_at")
    elif send:
        out["mailed"] = mail_report(catalog, model, paths)
        if out["mailed"]:
            marker.write_text(
                json.dumps({"mailed_at": now.isoformat(timespec="seconds")}, ensure_ascii=False), encoding="utf-8"
            )
    return out


def mail_report(catalog: Catalog, model: dict, paths: dict) -> bool:
    """The month's report to the credit office, the PDF (and workbook) attached."""
    from creditpipe.core.mail import send_mail, smtp_connection
    from creditpipe.core.templates import render_mail

    conn = smtp_connection()
    to = catalog.county.get("credit_office_email")
    if conn is None or not to:
        log.warning(
            "%s 的报告未邮件发送：未配置 SMTP 连接 creditpipe_smtp 或信用办邮箱 county.credit_office_email",
            model["month"],
        )
        return False
    s = model["summary"]
    worst = [d for d in model["departments"] if d["month"]["rate_pct"] is not None][-1:]
    subject, body = render_mail(
        "monthly_report",
        m=model,
        s=s,
        rate="—" if s["rate_pct"] is None else f"{s['rate_pct']:.2f}%",
        levels="、".join(f"{lv}色 {s[f'warnings_{lv}']} 条" for lv in LEVELS if s[f"warnings_{lv}"]) or "无",
        worst=worst[0] if worst else None,
    )
    attachments = [Path(paths[k]) for k in ("pdf", "xlsx") if k in paths]
    send_mail([to], subject, body, attachments, conn)
    return True
