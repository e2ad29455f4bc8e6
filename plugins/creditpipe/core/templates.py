"""The package's templates (``creditpipe/templates``): the report's page and index, and the
e-mails' subjects and bodies beside them, so the words users read are in one place."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


@lru_cache(maxsize=2)
def environment(html: bool = False):
    """Jinja2 for the templates: HTML escaped; text (mail) as written."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "j2"]) if html else False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_mail(name: str, **context) -> tuple[str, str]:
    """A mail's subject (its template's first line) and body (the rest, after a blank line)."""
    text = environment().get_template(f"mail/{name}.txt.j2").render(**context)
    subject, _, body = text.partition("\n\n")
    return subject.strip(), body.rstrip("\n")
