"""A Word document in the national layout for official documents (GB/T 9704-2012, 党政机关
公文格式), built with python-docx.

- A4; margins 37 mm top, 28 mm left, 35 mm bottom, 26 mm right: the 版心 is 156 × 225 mm;
- body in 3号仿宋 (16 pt), 22 lines × 28 characters: exact 28.95 pt lines and a character
  grid in the section's `w:docGrid` (22 × 28.95 pt fills the 225 mm 版心);
- 版头: 份号 and 密级 top left where set, the issuing organ's mark in red 小标宋, the 发文字号
  left and 签发人 right (an upward document), the red rule under them;
- title in 2号小标宋 (22 pt), 主送 flush left, headings 一、 in 黑体, （一） in 楷体, 1. and （1）
  in 仿宋;
- 版记: 抄送 and 印发 between rules, in 4号仿宋, at the foot of the last page (its last rule
  on the 版心's bottom edge: a floating table anchored to the bottom margin);
- page numbers "— 1 —" in 4号宋体, odd pages right, even pages left (even/odd footers).

Fonts keep their official names (仿宋_GB2312, 方正小标宋简体, 黑体, 楷体_GB2312, 宋体), set on
every run for ascii, hAnsi *and* eastAsia, and the default template's theme fonts are
stripped: Word and LibreOffice otherwise pick the theme's Latin face, and CJK text falls back
to whatever the machine has. The recipients have the official faces; here `render.py` maps
them to Noto CJK through fontconfig."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from docx import Document as new_docx
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

FANGSONG = "仿宋_GB2312"
XIAOBIAOSONG = "方正小标宋简体"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONGTI = "宋体"

SIZE_2 = 22.0  # 二号
SIZE_3 = 16.0  # 三号
SIZE_4 = 14.0  # 四号
RED = RGBColor(0xFF, 0x00, 0x00)

PAGE_W, PAGE_H = 210, 297
TOP, BOTTOM, LEFT, RIGHT = 37, 35, 28, 26
LINES, CHARS = 22, 28
LINE_PT = 28.95  # 22 lines of it fill the 225 mm 版心 (DESIGN §8)
LINE_TWIPS = round(LINE_PT * 20)
# The character pitch: 156 mm over 28 characters, against the 16 pt of the body font; Word
# and LibreOffice read charSpace in 1/4096 pt beyond the font size.
CHAR_PITCH_PT = (PAGE_W - LEFT - RIGHT) / 25.4 * 72 / CHARS
CHAR_SPACE = round((CHAR_PITCH_PT - SIZE_3) * 4096)
# Spacing between body characters, in twentieths of a point: 28 × (16 − 0.25) pt fits the
# 442.2 pt line, 29 do not, in Word and in LibreOffice alike.
CHAR_SQUEEZE = -5

HEADING_FONTS = {1: HEITI, 2: KAITI, 3: FANGSONG, 4: FANGSONG}


@dataclass
class Block:
    """One piece of the body: a paragraph (`p`), a heading of level 1–4 (`h1`…`h4`, its text
    numbered by the writer: 一、 （一） 1. （1）), a picture (`image`: PNG bytes, width in mm)
    or a table (`table`: rows of cells, the first the header)."""

    kind: str
    text: str = ""
    image: bytes = b""
    width_mm: float = 150.0
    rows: list[list[str]] = field(default_factory=list)
    # Text that runs on after a heading in the same paragraph, in 仿宋 ("（一）某某方面。指出
    # 问题12个……"), as 公文 write their lower headings.
    tail: str = ""


@dataclass
class Gongwen:
    organ: str  # 发文机关标志, e.g. "中共某某省委"
    title: str
    body: list[Block]
    doc_number: str = ""  # 发文字号 "某发〔2026〕1号"
    signer: str = ""  # 签发人
    recipients: str = "中央纪委国家监委、中央组织部"  # 主送
    classification: str = ""  # 密级 and 保密期限, e.g. "秘密★1年"; empty: none
    copy_number: str = ""  # 份号, six digits; empty: none
    signature: str = ""  # 发文机关署名 (落款)
    date_text: str = ""  # 成文日期 "2026年7月20日"
    cc: str = ""  # 抄送
    printer: str = ""  # 印发机关
    print_date: str = ""  # 印发日期 "2026年7月20日印发"
    watermark: str = ""  # a line in every header (downloads: who, when)


# --- low-level helpers --------------------------------------------------------------------

# What follows an element in its parent by the schema (ECMA-376): Word refuses a document
# whose children are out of order, so new children are inserted before these.
_PPR_AFTER_BORDERS = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
    "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
    "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
    "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
    "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr",
    "w:pPrChange",
)  # fmt: skip
_PPR_AFTER_TABS = _PPR_AFTER_BORDERS[2:]
_RPR_AFTER_SPACING = (
    "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect",
    "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang",
    "w:eastAsianLayout", "w:specVanish", "w:oMath",
)  # fmt: skip


def _set_fonts(rpr, family: str) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        if attr.endswith("Theme"):
            del fonts.attrib[attr]
    for name in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(name), family)


def _squeeze(rpr, twentieths: int = CHAR_SQUEEZE) -> None:
    spacing = rpr.find(qn("w:spacing"))
    if spacing is None:
        spacing = OxmlElement("w:spacing")
        rpr.insert_element_before(spacing, *_RPR_AFTER_SPACING)
    spacing.set(qn("w:val"), str(twentieths))


def _run(paragraph, text: str, family: str, size: float, *, bold=False, color=None):
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    if size == SIZE_3:
        _squeeze(run._element.get_or_add_rPr())
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    _set_fonts(run._element.get_or_add_rPr(), family)
    return run


def _exact_lines(paragraph, pitch_pt: float = LINE_PT) -> None:
    fmt = paragraph.paragraph_format
    fmt.line_spacing = Pt(pitch_pt)
    from docx.enum.text import WD_LINE_SPACING

    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)


def _border(paragraph, side: str, *, size_eighths: int, color: str = "000000", space=1) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.insert_element_before(borders, *_PPR_AFTER_BORDERS)
    edge = OxmlElement(f"w:{side}")
    edge.set(qn("w:val"), "single")
    edge.set(qn("w:sz"), str(size_eighths))
    edge.set(qn("w:space"), str(space))
    edge.set(qn("w:color"), color)
    borders.append(edge)


def _tab_right(paragraph) -> None:
    """A right tab stop at the 版心's right edge (发文字号 left, 签发人 right on one line)."""
    ppr = paragraph._p.get_or_add_pPr()
    tabs = OxmlElement("w:tabs")
    tab = OxmlElement("w:tab")
    tab.set(qn("w:val"), "right")
    tab.set(qn("w:pos"), str(round((PAGE_W - LEFT - RIGHT) / 25.4 * 1440) - 1))
    tabs.append(tab)
    ppr.insert_element_before(tabs, *_PPR_AFTER_TABS)


def _page_field(paragraph, family: str, size: float) -> None:
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1")):
        run = _run(paragraph, "", family, size)
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._element.append(fld)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._element.append(instr)
        else:
            run.text = text
    run = _run(paragraph, "", family, size)
    fld = OxmlElement("w:fldChar")
    fld.set(qn("w:fldCharType"), "end")
    run._element.append(fld)


def _strip_theme_fonts(document) -> None:
    """The default template's docDefaults name theme fonts (minorHAnsi, minorEastAsia): set
    explicit faces instead, and the body's size and exact lines as the Normal style."""
    styles = document.styles.element
    for fonts in styles.iter(qn("w:rFonts")):
        for attr in list(fonts.attrib):
            if attr.endswith("Theme"):
                del fonts.attrib[attr]
        for name in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(name), FANGSONG)
    normal = document.styles["Normal"]
    normal.font.size = Pt(SIZE_3)
    _set_fonts(normal.element.get_or_add_rPr(), FANGSONG)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal.element.get_or_add_rPr().append(lang)
    fmt = normal.paragraph_format
    from docx.enum.text import WD_LINE_SPACING

    fmt.line_spacing = Pt(LINE_PT)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.widow_control = False


def _page_setup(section) -> None:
    section.page_width, section.page_height = Mm(PAGE_W), Mm(PAGE_H)
    section.top_margin, section.bottom_margin = Mm(TOP), Mm(BOTTOM)
    section.left_margin, section.right_margin = Mm(LEFT), Mm(RIGHT)
    section.header_distance = Mm(15)
    # The page number sits about 7 mm below the 版心 (GB/T 9704 7.5).
    section.footer_distance = Mm(BOTTOM - 7 - 6)
    sect = section._sectPr
    grid = sect.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect.append(grid)
    # A line grid at the exact pitch. The 28 characters come from the runs' spacing
    # (CHAR_SQUEEZE), not from a character grid: LibreOffice puts a 16 pt character in two
    # cells of a 15.79 pt grid (14 a line) where Word squeezes it into one; the pitch is
    # kept in charSpace for Word's grid dialog all the same.
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_TWIPS))
    grid.set(qn("w:charSpace"), str(CHAR_SPACE))


def _footers(document, section, watermark: str) -> None:
    document.settings.odd_and_even_pages_header_footer = True
    for footer, align, indent in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left"),
    ):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.alignment = align
        _exact_lines(p, SIZE_4 * 1.2)
        # One character in from the 版心's edge.
        setattr(p.paragraph_format, f"{indent}_indent", Pt(SIZE_4))
        _run(p, "— ", SONGTI, SIZE_4)
        _page_field(p, SONGTI, SIZE_4)
        _run(p, " —", SONGTI, SIZE_4)
    for header in (section.header, section.even_page_header):
        header.is_linked_to_previous = False
        p = header.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _exact_lines(p, 12)
        if watermark:
            _run(p, watermark, SONGTI, 9, color=RGBColor(0xA0, 0xA0, 0xA0))


# --- the parts of the document -------------------------------------------------------------


def _paragraph(document, *, align=None, first_line_chars=0):
    p = document.add_paragraph()
    _exact_lines(p)
    if align is not None:
        p.alignment = align
    if first_line_chars:
        p.paragraph_format.first_line_indent = Pt(SIZE_3 * first_line_chars)
    return p


def _masthead(document, gw: Gongwen) -> None:
    if gw.copy_number:
        _run(_paragraph(document), gw.copy_number, HEITI, SIZE_3)
    if gw.classification:
        _run(_paragraph(document), gw.classification, HEITI, SIZE_3)
    mark = document.add_paragraph()
    mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _exact_lines(mark, 60)
    lines_used = bool(gw.copy_number) + bool(gw.classification)
    # The mark's top edge about 35 mm below the 版心's top (GB/T 9704 7.2.4).
    mark.paragraph_format.space_before = Pt(max(0, 99 - lines_used * LINE_PT))
    _run(mark, gw.organ, XIAOBIAOSONG, 42, color=RED)
    blank = _paragraph(document)
    blank.paragraph_format.space_after = Pt(LINE_PT)
    number = _paragraph(document)
    _tab_right(number)
    number.paragraph_format.left_indent = Pt(SIZE_3)
    _run(number, gw.doc_number, FANGSONG, SIZE_3)
    if gw.signer:
        _run(number, "\t签发人：", FANGSONG, SIZE_3)
        _run(number, gw.signer, KAITI, SIZE_3)
    # The red rule, 4 mm under the 发文字号, as wide as the 版心.
    _border(number, "bottom", size_eighths=8, color="FF0000", space=11)
    _paragraph(document)


def _title(document, gw: Gongwen) -> None:
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _exact_lines(title, 36)
    _run(title, gw.title, XIAOBIAOSONG, SIZE_2)
    _paragraph(document)
    if gw.recipients:
        _run(_paragraph(document), f"{gw.recipients}：", FANGSONG, SIZE_3)


def _body(document, blocks: list[Block]) -> None:
    for block in blocks:
        if block.kind.startswith("h") and block.kind[1:].isdigit():
            level = int(block.kind[1:])
            p = _paragraph(document, first_line_chars=2)
            p.paragraph_format.keep_with_next = True
            _run(p, block.text, HEADING_FONTS.get(level, FANGSONG), SIZE_3, bold=level == 3)
            if block.tail:
                p.paragraph_format.keep_with_next = False
                _run(p, block.tail, FANGSONG, SIZE_3)
        elif block.kind == "image":
            p = _paragraph(document, align=WD_ALIGN_PARAGRAPH.CENTER)
            p.paragraph_format.line_spacing = None
            p.add_run().add_picture(io.BytesIO(block.image), width=Mm(block.width_mm))
        elif block.kind == "table":
            _table(document, block.rows)
        else:
            for line in block.text.split("\n"):
                if line.strip():
                    _run(_paragraph(document, first_line_chars=2), line.strip(), FANGSONG, SIZE_3)


def _table(document, rows: list[list[str]]) -> None:
    if not rows:
        return
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, row in enumerate(rows):
        for j, text in enumerate(row):
            cell = table.cell(i, j)
            p = cell.paragraphs[0]
            _exact_lines(p, 20)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _run(p, str(text), HEITI if i == 0 else FANGSONG, 12)


def _closing(document, gw: Gongwen) -> None:
    if gw.signature or gw.date_text:
        _paragraph(document)
        _paragraph(document)
        for text in (gw.signature, gw.date_text):
            if text:
                p = _paragraph(document, align=WD_ALIGN_PARAGRAPH.RIGHT)
                p.paragraph_format.right_indent = Pt(SIZE_3 * 4)
                _run(p, text, FANGSONG, SIZE_3)


# The children of w:tblPr, in the schema's order (see _PPR_AFTER_BORDERS).
_TBLPR_ORDER = (
    "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
    "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders",
    "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription",
)  # fmt: skip
BODY_TWIPS = round((PAGE_W - LEFT - RIGHT) / 25.4 * 1440)


def _tbl_prop(tbl_pr, tag: str, **attrs):
    """Set `tag` on w:tblPr with these attributes, in its place among the others."""
    old = tbl_pr.find(qn(tag))
    if old is not None:
        tbl_pr.remove(old)
    el = OxmlElement(tag)
    for name, value in attrs.items():
        el.set(qn(f"w:{name}"), str(value))
    later = _TBLPR_ORDER[_TBLPR_ORDER.index(tag) + 1 :]
    tbl_pr.insert_element_before(el, *later)
    return el


def _rules(tbl_pr) -> None:
    """The 版记's rules: 0.35 mm above and below it, 0.25 mm between its items, none at
    the sides (GB/T 9704 §10.1)."""
    borders = _tbl_prop(tbl_pr, "w:tblBorders")
    for side, size in (("top", 8), ("left", 0), ("bottom", 8), ("right", 0),
                       ("insideH", 6), ("insideV", 0)):  # fmt: skip
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "single" if size else "nil")
        if size:
            edge.set(qn("w:sz"), str(size))
            edge.set(qn("w:space"), "0")
            edge.set(qn("w:color"), "000000")
        borders.append(edge)


def _colophon(document, gw: Gongwen) -> None:
    """版记: 抄送 and 印发 between rules (the first and last 0.35 mm, the middle one
    0.25 mm), 4号仿宋 one character in from each side, at the foot of the last page: its
    last rule on the 版心's bottom edge (GB/T 9704 §7.3, §10).

    A floating table positioned at the bottom of the margin box of the page its anchor
    (the document's last, empty paragraph) falls on: Word and LibreOffice place it there
    however long the body runs, and wrap the body's text above it; a body that leaves no
    room for it pushes the anchor, and so the 版记, on to a page of its own."""
    if not (gw.cc or gw.printer):
        return
    rows = []
    if gw.cc:
        rows.append(("cc", f"抄送：{gw.cc}。"))
    rows.append(("print", gw.printer))
    table = document.add_table(rows=len(rows), cols=1)
    tbl_pr = table._tbl.tblPr
    _tbl_prop(
        tbl_pr, "w:tblpPr", leftFromText=0, rightFromText=0, topFromText=LINE_TWIPS,
        bottomFromText=0, vertAnchor="margin", horzAnchor="page",
        tblpX=round(LEFT / 25.4 * 1440), tblpYSpec="bottom",
    )  # fmt: skip
    _tbl_prop(tbl_pr, "w:tblOverlap", val="never")
    _tbl_prop(tbl_pr, "w:tblW", w=BODY_TWIPS, type="dxa")
    _rules(tbl_pr)
    _tbl_prop(tbl_pr, "w:tblLayout", type="fixed")
    margins = _tbl_prop(tbl_pr, "w:tblCellMar")
    for side in ("top", "left", "bottom", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), "0")
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    table.columns[0].width = Mm(PAGE_W - LEFT - RIGHT)
    for row, (kind, text) in zip(table.rows, rows, strict=True):
        cell = row.cells[0]
        cell.width = Mm(PAGE_W - LEFT - RIGHT)
        p = cell.paragraphs[0]
        _exact_lines(p)
        p.paragraph_format.left_indent = Pt(SIZE_4)
        p.paragraph_format.right_indent = Pt(SIZE_4)
        if kind == "print":
            _tab_right(p)
            _run(p, text, FANGSONG, SIZE_4)
            _run(p, f"\t{gw.print_date}", FANGSONG, SIZE_4)
        else:
            # 抄送 runs on under the first name after the colon (a hanging indent).
            p.paragraph_format.left_indent = Pt(SIZE_4 * 4)
            p.paragraph_format.first_line_indent = Pt(-SIZE_4 * 3)
            _run(p, text, FANGSONG, SIZE_4)
    # The anchor: as small as a paragraph gets, so that it alone never needs a new page.
    anchor = document.add_paragraph()
    _exact_lines(anchor, 1)


def build(gw: Gongwen) -> bytes:
    """The document as .docx bytes."""
    document = new_docx()
    _strip_theme_fonts(document)
    section = document.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    _page_setup(section)
    _footers(document, section, gw.watermark)
    # The template's empty first paragraph would push the masthead down a line.
    body = document.element.body
    for p in list(body.iterchildren(qn("w:p"))):
        body.remove(p)
    _masthead(document, gw)
    _title(document, gw)
    _body(document, gw.body)
    _closing(document, gw)
    _colophon(document, gw)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def add_watermark(data: bytes, text: str) -> bytes:
    """A copy of an issued document with `text` (who downloaded it, when) in every header:
    the body, and so what was issued, stays as it is."""
    document = new_docx(io.BytesIO(data))
    for section in document.sections:
        for header in (section.header, section.even_page_header, section.first_page_header):
            p = header.paragraphs[0] if header.paragraphs else header.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _run(p, text, SONGTI, 9, color=RGBColor(0xA0, 0xA0, 0xA0))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
