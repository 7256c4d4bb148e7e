"""The printable talk record (.docx, and PDF through LibreOffice where installed).

Laid out after GB/T 9704: A4, the classification marking top left in 黑体, the title in
方正小标宋简体 二号, the text in 仿宋_GB2312 三号 on exact 28.95 pt lines. The official font
names stay in the document (recipients have them); where this server renders it, fontconfig
maps them. East-Asian fonts are set on every run (w:eastAsia), since Word otherwise falls back
to the theme's."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TITLE_FONT, BODY_FONT, HEAD_FONT, KAI_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312"
SOFFICE_TIMEOUT = 90


def disposition(name: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(name)}"


def _font(run, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
    # Theme fonts would override the names above in Word.
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)


def _para(doc, text: str = "", *, font=BODY_FONT, size=16, bold=False, align=None, indent=True):
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(28.95)
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if align is not None:
        p.alignment = align
    if text:
        _font(p.add_run(text), font, size, bold)
    return p


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y年%m月%d日 %H:%M") if value else "—"


def _lines(text: str) -> list[str]:
    return [line for line in (text or "").splitlines() if line.strip()] or ["（无）"]


def _setup(doc) -> None:
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(16)
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), BODY_FONT)


def record_docx(talk, record, problems, addenda) -> bytes:
    """The record of `talk` as a Word document; a blank form (headers, empty sections) where
    the record has not been started, for writing by hand."""
    doc = Document()
    _setup(doc)
    _para(doc, talk.get_classification_display(), font=HEAD_FONT, size=16, indent=False)
    _para(doc, "", indent=False)
    _para(
        doc,
        _("%(type)s记录") % {"type": talk.get_type_display()},
        font=TITLE_FONT,
        size=22,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
    )
    _para(doc, "", indent=False)
    subject_post = "".join(x for x in (talk.subject_org.name, talk.subject_title) if x)
    facts = [
        (_("谈话类型"), talk.get_type_display()),
        (_("谈话人"), talk.talker.name),
        (
            _("被谈话人"),
            f"{talk.subject.name}（{subject_post}）" if subject_post else talk.subject.name,
        ),
        (
            _("谈话时间"),
            _when(record.started_at if record and record.started_at else talk.scheduled_start),
        ),
        (_("结束时间"), _when(record.ended_at) if record else "—"),
        (_("谈话地点"), talk.place or "—"),
        (_("记录人"), _person(talk.recorder)),
    ]
    if talk.companion_id:
        facts.append((_("陪谈人员"), _person(talk.companion)))
    for label, value in facts:
        p = _para(doc, indent=False)
        _font(p.add_run(f"{label}："), HEAD_FONT, 16)
        _font(p.add_run(value), BODY_FONT, 16)
    sections = [
        (_("一、总体评价"), _lines(record.overall_evaluation) if record else ["（无）"]),
        (
            _("二、指出的问题"),
            [
                f"{i}．【{p.get_focus_area_display()}】{p.text}"
                for i, p in enumerate(problems, start=1)
            ]
            or ["（无）"],
        ),
        (_("三、被谈话人说明"), _lines(record.explanation) if record else ["（无）"]),
        (_("四、被谈话人意见建议"), _lines(record.suggestions) if record else ["（无）"]),
        (_("五、谈话人提出的要求"), _lines(record.requirements) if record else ["（无）"]),
    ]
    for head, lines in sections:
        _para(doc, head, font=HEAD_FONT, size=16)
        for line in lines:
            _para(doc, line)
    if record is not None and record.is_sealed:
        _para(doc, "", indent=False)
        _para(doc, _("封存时间：%(t)s") % {"t": _when(record.sealed_at)}, font=KAI_FONT, size=14)
        _para(doc, _("内容摘要（SHA-256）："), font=KAI_FONT, size=10, indent=False)
        _para(doc, record.content_hash, font="Courier New", size=10, indent=False)
    for a in addenda:
        _para(doc, _("补正（%(t)s）") % {"t": _when(a.at)}, font=HEAD_FONT, size=16)
        for line in _lines(a.text):
            _para(doc, line)
        _para(doc, _("补正摘要（SHA-256）："), font=KAI_FONT, size=10, indent=False)
        _para(doc, a.content_hash, font="Courier New", size=10, indent=False)
    _para(doc, "", indent=False)
    for label in (_("谈话人（签字）"), _("被谈话人（签字）"), _("记录人（签字）")):
        p = _para(doc, indent=False)
        _font(p.add_run(f"{label}：{'_' * 12}  "), BODY_FONT, 16)
        _font(p.add_run(_("日期：　　年　月　日")), BODY_FONT, 16)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _person(user) -> str:
    if user is None:
        return "—"
    return user.get_full_name() or user.username


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docx: bytes) -> bytes | None:
    """The document converted by LibreOffice (`soffice --headless --convert-to pdf`); None
    where LibreOffice is not installed or fails (the caller offers the .docx instead)."""
    binary = soffice()
    if binary is None:
        return None
    with tempfile.TemporaryDirectory(prefix="tanhua-print-") as tmp:
        src = Path(tmp) / "record.docx"
        src.write_bytes(docx)
        # A profile of its own: a user's running LibreOffice would otherwise take the job.
        profile = Path(tmp) / "profile"
        try:
            subprocess.run(
                [
                    binary,
                    f"-env:UserInstallation=file://{profile}",
                    "--headless",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    tmp,
                    str(src),
                ],
                check=True,
                capture_output=True,
                timeout=SOFFICE_TIMEOUT,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        out = Path(tmp) / "record.pdf"
        return out.read_bytes() if out.exists() else None
