"""E-mail through the Airflow SMTP connection ``creditpipe_smtp`` (host, port, login,
password; extra: from_email, starttls, ssl). Nothing is configured in the repository."""

from __future__ import annotations

import logging
import mimetypes
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from creditpipe.core.connections import Conn, ConnectionError_, get_conn

log = logging.getLogger(__name__)
SMTP_CONN_ID = "creditpipe_smtp"


class MailError(RuntimeError):
    pass


def smtp_connection() -> Conn | None:
    try:
        return get_conn(SMTP_CONN_ID)
    except ConnectionError_:
        return None


def send_mail(to: list[str], subject: str, body: str, attachments: list[Path] = (), conn: Conn | None = None) -> str:
    conn = conn or smtp_connection()
    if conn is None:
        raise MailError(f"未配置 SMTP 连接 {SMTP_CONN_ID}")
    sender = conn.extra.get("from_email") or conn.login or "creditpipe@localhost"
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, ", ".join(to), subject
    msg["Message-ID"] = make_msgid(domain="creditpipe")
    msg.set_content(body)
    for path in attachments:
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        maintype, subtype = ctype.split("/", 1)
        msg.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    use_ssl = str(conn.extra.get("ssl", "false")).lower() == "true"
    starttls = str(conn.extra.get("starttls", "false")).lower() == "true"
    try:
        cls = smtplib.SMTP_SSL if use_ssl else smtplib.SMTP
        with cls(conn.host, conn.port or (465 if use_ssl else 25), timeout=30) as smtp:
            if starttls:
                smtp.starttls()
            if conn.login:
                smtp.login(conn.login, conn.password)
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"邮件发送失败（{conn.host}:{conn.port}）：{type(exc).__name__}: {exc}") from None
    log.info("mailed %s to %d recipient(s)", subject, len(to))
    return msg["Message-ID"]
