"""Reports in an organization's own Word template (docxtpl), sandboxed and autoescaped.

The template is the staff's document with Jinja tags: `{{ title }}`, `{{ organ }}`,
`{{ doc_number }}`, `{{ signer }}`, `{{ date }}`, `{{ cc }}`, `{{ printer }}`, and
`{% for s in sections %}{{ s.heading }}{% for p in s.paragraphs %}{{ p }}{% endfor %}
{% endfor %}`, and the figures as `figures`. A sandboxed Jinja environment keeps a tag
from reaching Python internals; autoescaping keeps a `<` or `&` in a section's text from
breaking the document's XML."""

from __future__ import annotations

import io
import multiprocessing
import resource
import zipfile

from jinja2 import DictLoader, TemplateError, TemplateNotFound
from jinja2.sandbox import SandboxedEnvironment

MAX_BYTES = 10 * 1024 * 1024
# A committee's template is code it wrote: it renders in a child process with a time and
# memory bound, so `{{ 'x' * 10**10 }}` or `{{ 9 ** 9 ** 9 }}` refuses the template instead
# of taking the server down.
RENDER_SECONDS = 30
RENDER_EXTRA_BYTES = 512 * 1024 * 1024


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


def _environment() -> SandboxedEnvironment:
    # No loader holding anything: `{% include %}`, `{% import %}` and `{% extends %}` find no
    # file (not the server's), and `lipsum` cannot be asked for a billion words.
    env = SandboxedEnvironment(autoescape=True, loader=DictLoader({}))
    env.globals.pop("lipsum", None)
    return env


def _render_here(template: bytes, context: dict) -> bytes:
    from docxtpl import DocxTemplate

    try:
        doc = DocxTemplate(io.BytesIO(template))
        doc.render(context, jinja_env=_environment(), autoescape=True)
    except TemplateNotFound as exc:
        raise TemplateInvalid(f"模板不能引用其他文件（{exc.name}）") from exc
    except TemplateError as exc:
        raise TemplateInvalid(f"模板中的标记有误：{exc.message or exc}") from exc
    except (zipfile.BadZipFile, KeyError) as exc:
        raise TemplateInvalid("不是有效的 Word（.docx）文件") from exc
    except MemoryError as exc:
        raise TemplateInvalid("模板生成时占用内存过多") from exc
    except Exception as exc:  # the template is the committee's code: any error is theirs
        raise TemplateInvalid(f"模板无法生成文档：{type(exc).__name__} {exc}"[:300]) from exc
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _child(template: bytes, context: dict, conn) -> None:
    try:
        with open("/proc/self/statm") as fh:
            size = int(fh.read().split()[0]) * resource.getpagesize()
        limit = size + RENDER_EXTRA_BYTES
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (OSError, ValueError):
        pass
    try:
        conn.send(("ok", _render_here(template, context)))
    except TemplateInvalid as exc:
        conn.send(("invalid", str(exc)))
    except MemoryError:
        conn.send(("invalid", "模板生成时占用内存过多"))
    finally:
        conn.close()


def render(template: bytes, context: dict) -> bytes:
    """The template rendered with `context`, in a child process bounded in time and memory;
    TemplateInvalid (in Chinese) for whatever goes wrong."""
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(template, context, send), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(RENDER_SECONDS):
            raise TemplateInvalid(f"模板生成超时（超过 {RENDER_SECONDS} 秒）")
        try:
            outcome, payload = receive.recv()
        except (EOFError, OSError) as exc:
            raise TemplateInvalid("模板生成时占用资源过多，已中止") from exc
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join()
    if outcome != "ok":
        raise TemplateInvalid(payload)
    return payload


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
