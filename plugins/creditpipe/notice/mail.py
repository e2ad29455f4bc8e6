"""A notice by e-mail to the department that delivered the records, and only to it (the
words are the templates in ``templates/mail``). Without an SMTP connection or the
department's address, the notice stays in the outbox and the log says so."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from creditpipe.core.catalog import Dataset, Department, load_catalog
from creditpipe.core.mail import send_mail, smtp_connection
from creditpipe.core.names import shown_name
from creditpipe.core.records import Verdict
from creditpipe.core.templates import render_mail
from creditpipe.notice.workbook import correction_deadline_text, extra_columns_text

log = logging.getLogger(__name__)


def mail_notice(
    dataset: Dataset, department: Department, batch: dict, verdict: Verdict, attachments: list[Path]
) -> bool:
    """The rejection notice of a loaded batch; nothing is sent when nothing went back."""
    conn = smtp_connection()
    if conn is None or not department.email:
        log.warning("未配置 SMTP 连接或部门邮箱：%s 的退回通知仅写入退回箱", department.id)
        return False
    extra = batch.get("extra_columns") or []
    if verdict.rejected == 0 and verdict.warnings == 0 and not extra:
        return False  # nothing to send back
    subject, body = render_mail(
        "rejection_notice",
        dataset=dataset,
        department=department,
        shown=shown_name(batch["file_name"]),
        delivered=batch["delivered_at"][:16].replace("T", " "),
        summary=verdict.summary(),
        extra=extra_columns_text(extra) if extra else "",
        deadline=correction_deadline_text(
            load_catalog(), dataset, department, dt.date.fromisoformat(batch["delivered_at"][:10])
        )
        if verdict.rejected
        else "",
    )
    send_mail([department.email], subject, body, attachments, conn)
    return True


def mail_unreadable(
    dataset: Dataset, department: Department, file_name: str, delivered_at: dt.datetime, reason: str, attachment: Path
) -> bool:
    """The notice of a file that could not be read: the whole file goes back, with the reason."""
    conn = smtp_connection()
    if conn is None or not department.email:
        log.warning("未配置 SMTP 连接或部门邮箱：%s 的文件退回通知仅写入退回箱", department.id)
        return False
    subject, body = render_mail(
        "unreadable_file",
        dataset=dataset,
        department=department,
        shown=shown_name(file_name),
        delivered=f"{delivered_at:%Y-%m-%d %H:%M}",
        reason=reason,
    )
    send_mail([department.email], subject, body, [attachment], conn)
    return True
