"""What an uploaded file is, decided by its content and never by its name or the browser's
Content-Type: a PDF starts with `%PDF-` and ends with `%%EOF`; a Word or Excel file is a zip
whose `[Content_Types].xml` declares the main part of that kind, and holds it. Anything else
— an executable renamed .pdf, a zip that is no Office file, a macro-enabled document — is
refused with a message that says what is wrong, in Chinese.

Then the text is extracted for search: Word through python-docx, Excel through
python-calamine, PDF through `pdftotext` (poppler-utils) where installed and pypdf otherwise.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

from django.conf import settings
from django.utils.translation import gettext as _


class FileRefused(ValueError):
    """An upload that is refused, with the message for the person who sent it."""


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    extension: str
    mime: str


PDF = Kind("pdf", "PDF", ".pdf", "application/pdf")
DOCX = Kind(
    "docx",
    "Word",
    ".docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)
XLSX = Kind(
    "xlsx", "Excel", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)
KINDS = {k.code: k for k in (PDF, DOCX, XLSX)}

# The main part each Office kind must declare (ECMA-376 Part 2: [Content_Types].xml).
_OFFICE_MAIN = {
    "docx": (
        "/word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
    "xlsx": (
        "/xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    ),
}
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
# A zip bomb inflates far beyond its size: refuse an archive whose parts do.
_MAX_UNPACKED_FACTOR = 50
_MAX_PARTS = 5000
# Text kept for search; past this a file is still stored, its text cut.
MAX_TEXT_CHARS = 2_000_000
_PDFTOTEXT_SECONDS = 60


def max_bytes() -> int:
    return int(settings.ATTACHMENT_MAX_MB) * 1024 * 1024


def _corrupt(label: str) -> FileRefused:
    return FileRefused(
        _("文件已损坏或无法读取（按内容识别为 %(kind)s 文件）。请重新保存后再上传。")
        % {"kind": label}
    )


def _unsupported() -> FileRefused:
    return FileRefused(
        _("不支持的文件类型：仅接受 Word（.docx）、Excel（.xlsx）和 PDF（.pdf）文件。"
          "系统按文件内容识别类型，修改扩展名无效。")
    )  # fmt: skip


def _office_kind(data: bytes) -> Kind:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _unsupported() from None
    unpacked = sum(i.file_size for i in infos)
    if len(infos) > _MAX_PARTS or unpacked > max(len(data), 1) * _MAX_UNPACKED_FACTOR:
        raise FileRefused(_("压缩内容异常（解压后体积过大），已拒绝。"))
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names:
        raise _unsupported()
    try:
        raw = archive.read("[Content_Types].xml")
        # A real one is a few KB and declares no entities: refusing a DOCTYPE before parsing
        # leaves nothing for an entity-expansion attack to work with.
        if len(raw) > 1024 * 1024 or b"<!DOCTYPE" in raw.upper() or b"<!ENTITY" in raw.upper():
            raise _unsupported()
        root = ElementTree.fromstring(raw)  # noqa: S314 - no DTD, size-capped (above)
    except (ElementTree.ParseError, zipfile.BadZipFile, OSError, ValueError):
        raise _unsupported() from None
    overrides = {
        el.get("PartName", ""): el.get("ContentType", "") for el in root.iter(f"{_CT_NS}Override")
    }
    for code, (part, content_type) in _OFFICE_MAIN.items():
        if overrides.get(part) == content_type:
            if part.lstrip("/") not in names:
                raise _corrupt(KINDS[code].label)
            return KINDS[code]
    if any("macroEnabled" in ct for ct in overrides.values()):
        raise FileRefused(_("不接受含宏的 Office 文件（.docm / .xlsm），请另存为 .docx 或 .xlsx。"))
    raise _unsupported()


def sniff(data: bytes, filename: str) -> Kind:
    """The kind of `data` by its content; refuses empty, oversize, unknown or damaged files,
    and a name whose extension says another kind than the content."""
    if not data:
        raise FileRefused(_("文件为空，请选择有内容的文件。"))
    if len(data) > max_bytes():
        raise FileRefused(
            _("文件过大：%(size).1f MB，单个附件不得超过 %(limit)s MB。")
            % {"size": len(data) / 1024 / 1024, "limit": settings.ATTACHMENT_MAX_MB}
        )
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise _corrupt(PDF.label)
        kind = PDF
    elif data.startswith(b"PK\x03\x04"):
        kind = _office_kind(data)
    else:
        raise _unsupported()
    extension = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension and extension != kind.extension:
        raise FileRefused(
            _("文件扩展名为 %(ext)s，但内容是 %(kind)s 文件。请核对后重新上传。")
            % {"ext": extension, "kind": kind.label}
        )
    return kind


# --- text -------------------------------------------------------------------------------


def _docx_text(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs if p.text.strip()]
    for table in document.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells if c.text.strip()]
            if cells:
                parts.append("\t".join(cells))
    return "\n".join(parts)


def _cell(value) -> str:
    # calamine returns whole numbers as floats (DESIGN §8): 12.0 reads as 12.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _xlsx_text(data: bytes) -> str:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    lines: list[str] = []
    for name in book.sheet_names:
        lines.append(name)
        for row in book.get_sheet_by_name(name).to_python(skip_empty_area=True):
            cells = [_cell(v) for v in row]
            if any(cells):
                lines.append("\t".join(cells).rstrip("\t"))
    return "\n".join(lines)


def _pdf_text_poppler(data: bytes, exe: str) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(data)
        fh.flush()
        done = subprocess.run(
            [exe, "-q", "-enc", "UTF-8", fh.name, "-"],
            capture_output=True,
            timeout=_PDFTOTEXT_SECONDS,
            check=False,
        )
    if done.returncode != 0:
        raise _corrupt(PDF.label)
    return done.stdout.decode("utf-8", errors="replace")


def _pdf_text_pypdf(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join((page.extract_text() or "") for page in reader.pages)


def pdftotext_path() -> str | None:
    return shutil.which("pdftotext")


def extract_text(data: bytes, kind: Kind, *, use_poppler: bool | None = None) -> str:
    """The text of a file already sniffed as `kind`; a file its reader cannot open is
    refused as damaged. `use_poppler` None: pdftotext where installed."""
    try:
        if kind is DOCX:
            text = _docx_text(data)
        elif kind is XLSX:
            text = _xlsx_text(data)
        else:
            exe = pdftotext_path() if use_poppler is not False else None
            text = _pdf_text_poppler(data, exe) if exe else _pdf_text_pypdf(data)
    except FileRefused:
        raise
    except subprocess.TimeoutExpired:
        raise FileRefused(_("PDF 文件解析超时，请确认文件无误后重试。")) from None
    except Exception:  # any reader failure means the file is damaged
        raise _corrupt(kind.label) from None
    # NUL breaks PostgreSQL text; form feeds (page breaks from pdftotext) read as new lines.
    text = text.replace("\x00", "").replace("\f", "\n")
    lines = [line.rstrip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)[:MAX_TEXT_CHARS]
