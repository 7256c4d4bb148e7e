"""Reports in an organization's own Word template (docxtpl), sandboxed and autoescaped.

The template is the staff's document with Jinja tags: `{{ title }}`, `{{ organ }}`,
`{{ doc_number }}`, `{{ signer }}`, `{{ date }}`, `{{ cc }}`, `{{ printer }}`, and
`{% for s in sections %}{{ s.heading }}{% for p in s.paragraphs %}{{ p }}{% endfor %}
{% endfor %}`, and the figures as `figures`. A sandboxed Jinja environment keeps a tag
from reaching Python internals; autoescaping keeps a `<` or `&` in a section's text from
breaking the document's XML."""

from __future__ import annotations

import io
import zipfile

from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

MAX_BYTES = 10 * 1024 * 1024


class TemplateInvalid(ValueError):
    """The uploaded template cannot be used (message in Chinese)."""


def context_of(report, sections: list[tuple[str, str]], date_text: str) -> dict:
    return {
        "title": report.title,
        "organ": report.organ,
        "doc_number": report.doc_number,
        "signer": report.signer,
        "copy_number": report.copy_number,
        "cc": report.cc,
        "printer": report.printer,
        "date": date_text,
        "year": report.year,
        "sections": [
            {"heading": h, "paragraphs": [p.strip() for p in b.splitlines() if p.strip()]}
            for h, b in sections
        ],
        "figures": report.figures,
    }


def render(template: bytes, context: dict) -> bytes:
    from docxtpl import DocxTemplate

    try:
        doc = DocxTemplate(io.BytesIO(template))
        doc.render(context, jinja_env=SandboxedEnvironment(autoescape=True), autoescape=True)
    except TemplateError as exc:
        raise TemplateInvalid(f"模板中的标记有误：{exc.message or exc}") from exc
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TemplateInvalid("不是有效的 Word（.docx）文件") from exc
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def check(name: str, data: bytes) -> None:
    """Refuse what cannot be a usable template, before it is stored."""
    if not name.lower().endswith(".docx"):
        raise TemplateInvalid("模板须为 Word（.docx）文件")
    if len(data) > MAX_BYTES:
        raise TemplateInvalid("模板文件过大（上限 10 MB）")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise TemplateInvalid("不是有效的 Word（.docx）文件")
    sample = {
        "title": "标题", "organ": "发文机关", "doc_number": "", "signer": "", "copy_number": "",
        "cc": "", "printer": "", "date": "", "year": 2026,
        "sections": [{"heading": "一、标题", "paragraphs": ["正文"]}], "figures": {},
    }  # fmt: skip
    render(data, sample)
