"""The 公文 layout (GB/T 9704-2012), checked on the pages LibreOffice renders from it."""

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from tanhua.reports import gongwen, render

MM = 72 / 25.4
BANXIN_BOTTOM = 297 - 35  # mm from the top of an A4 page: the 版心's bottom edge


def sample(**kw) -> gongwen.Gongwen:
    body = [
        gongwen.Block("p", "现将我省2026年度党内政治监督谈话工作情况报告如下。"),
        gongwen.Block("h1", "一、谈话开展情况"),
        gongwen.Block("h2", "（一）精心组织准备。"),
        gongwen.Block("h3", "1. 数据画像。"),
        gongwen.Block("h4", "（1）材料汇集。"),
        *[gongwen.Block("p", "一二三四五六七八九十" * 14) for _ in range(8)],
    ]
    return gongwen.Gongwen(
        organ="中共测试省委", title="关于2026年度党内政治监督谈话工作情况的报告", body=body,
        doc_number="测发〔2026〕12号", signer="省委书记甲", classification="秘密★1年",
        copy_number="000001", signature="中共测试省委", date_text="2026年7月20日",
        cc="省纪委监委", printer="中共测试省委办公室", print_date="2026年7月20日印发", **kw,
    )  # fmt: skip


def test_the_document_names_every_font_for_east_asian_text_and_no_theme_fonts():
    doc = Document(io.BytesIO(gongwen.build(sample())))
    xml = doc.element.xml + doc.styles.element.xml
    assert "Theme=" not in xml and "asciiTheme" not in xml
    faces = {f.get(qn("w:eastAsia")) for f in doc.element.body.iter(qn("w:rFonts"))}
    assert {"仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312"} <= faces


def test_the_section_is_a4_with_the_gb_margins_the_line_grid_and_even_odd_footers():
    doc = Document(io.BytesIO(gongwen.build(sample())))
    s = doc.sections[0]
    assert round(s.page_width.mm) == 210 and round(s.page_height.mm) == 297
    assert [
        round(x.mm) for x in (s.top_margin, s.left_margin, s.bottom_margin, s.right_margin)
    ] == [37, 28, 35, 26]
    grid = s._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == "579"  # 28.95 pt
    assert doc.settings.odd_and_even_pages_header_footer
    assert s.footer.paragraphs[0].alignment == 2  # right on odd pages
    assert s.even_page_footer.paragraphs[0].alignment == 0  # left on even pages
    assert "PAGE" in s.footer._element.xml and "— " in s.footer.paragraphs[0].text


def test_the_masthead_has_the_red_organ_the_number_the_signer_and_the_red_rule():
    doc = Document(io.BytesIO(gongwen.build(sample())))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "000001" and texts[1] == "秘密★1年"
    organ = next(p for p in doc.paragraphs if p.text == "中共测试省委")
    assert str(organ.runs[0].font.color.rgb) == "FF0000"
    number = next(p for p in doc.paragraphs if "测发〔2026〕12号" in p.text)
    assert "签发人：省委书记甲" in number.text
    assert 'w:color="FF0000"' in number._p.xml  # the red rule
    assert any(p.text == "中央纪委国家监委、中央组织部：" for p in doc.paragraphs)
    title = next(p for p in doc.paragraphs if p.text.startswith("关于"))
    assert title.runs[0].font.size.pt == 22


@pytest.mark.slow
def test_libreoffice_renders_a4_pages_of_22_lines_of_28_characters(tmp_path, capsys):
    if render.soffice() is None or shutil.which("pdftoppm") is None:
        pytest.skip("LibreOffice (soffice) or pdftoppm is not installed: cannot render")
    pdf = render.to_pdf(gongwen.build(sample()))
    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 210 * MM) < 1 and abs(float(box.height) - 297 * MM) < 1
    # A full body page: 22 lines of 28 characters, inside the margins.
    text = subprocess.run(
        ["pdftotext", "-layout", "-f", "2", "-l", "2", "-", "-"],
        input=pdf, capture_output=True, check=True,
    ).stdout.decode()  # fmt: skip
    lines = [line.strip() for line in text.splitlines() if line.strip() and "—" not in line]
    assert len(lines) == 22
    assert all(len(line.replace(" ", "")) <= 28 for line in lines)
    assert max(len(line.replace(" ", "")) for line in lines) == 28
    # The text sits inside the 版心: nothing left of 28 mm or above 37 mm.
    bbox = subprocess.run(
        ["pdftotext", "-bbox", "-f", "2", "-l", "2", "-", "-"],
        input=pdf, capture_output=True, check=True,
    ).stdout.decode()  # fmt: skip
    xs = [float(x) for x in re.findall(r'xMin="([\d.]+)"', bbox)]
    ys = [float(y) for y in re.findall(r'yMin="([\d.]+)"', bbox)]
    assert min(xs) >= 28 * MM - 2
    assert min(ys) >= 37 * MM - 4
    artifacts = Path(os.environ.get("TANHUA_ARTIFACTS", "test-artifacts")) / "gongwen"
    images = render.page_images(pdf, artifacts, prefix="sample")
    assert images
    with capsys.disabled():
        print(f"\n公文页面图像：{artifacts.resolve()}（{len(images)} 页）")


def _rules(page) -> list[tuple[float, float, float]]:
    """The horizontal lines stroked on a PDF page, as (x from, x to, y from the top) in mm:
    LibreOffice draws a table's borders as `x y m x' y l S`."""
    from pypdf.generic import ContentStream

    height = float(page.mediabox.height)
    out, start = [], None
    for operands, op in ContentStream(page.get_contents(), page.pdf).operations:
        if op == b"m":
            start = [float(v) for v in operands]
        elif op == b"l" and start is not None:
            x, y = (float(v) for v in operands)
            if abs(y - start[1]) < 0.01:
                out.append((min(x, start[0]) / MM, max(x, start[0]) / MM, (height - y) / MM))
            start = None
    return out


def _words(pdf: bytes, page: int) -> list[tuple[str, float, float]]:
    """(word, top, bottom) of a page's words, in mm from the top of the page."""
    bbox = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), "-", "-"],
        input=pdf, capture_output=True, check=True,
    ).stdout.decode()  # fmt: skip
    found = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<', bbox)
    return [(w, float(top) / MM, float(bottom) / MM) for top, bottom, w in found]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("paragraphs", "pages", "shares_the_page"),
    [(0, 2, False), (3, 2, True)],
    ids=["a short body: the first page is full, the 版记 ends the second", "a two-page body"],
)
def test_libreoffice_puts_the_colophon_at_the_foot_of_the_last_page(
    paragraphs, pages, shares_the_page
):
    """GB/T 9704 §7.3: the 版记 sits at the foot of the document's last page, however far
    the body runs (here after a full first page, and under a body's second page)."""
    if render.soffice() is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice (soffice) or pdftotext is not installed: cannot render")
    gw = sample()
    gw.body = gw.body[:1] + [gongwen.Block("p", "一二三四五六七八九十" * 14)] * paragraphs
    pdf = render.to_pdf(gongwen.build(gw))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == pages
    # Three rules as wide as the 版心 (28 mm to 184 mm), the last on its bottom edge
    # (297 − 35 = 262 mm from the top, GB/T 9704 §7.3 and §10), one 版记 row apart.
    rules = sorted(_rules(reader.pages[-1]), key=lambda r: r[2])
    assert len(rules) == 3
    assert all(abs(x0 - 28) < 0.5 and abs(x1 - 184) < 0.5 for x0, x1, _y in rules)
    first, middle, last = (y for _x0, _x1, y in rules)
    assert abs(last - BANXIN_BOTTOM) < 0.5
    assert 9 < middle - first < 12 and 9 < last - middle < 12
    words = _words(pdf, pages)
    cc = [w for w in words if w[0].startswith("抄送")]
    printed = [w for w in words if w[0].endswith("印发")]
    assert cc and first < cc[0][1] and cc[0][2] < middle
    assert printed and middle < printed[0][1] and printed[0][2] < last
    # Nothing else of the page overlaps the 版记: the text above it ends above its first
    # rule, and below it is only the page number.
    inside = [w for w in words if w[2] > first and w[1] < BANXIN_BOTTOM]
    assert inside and all(first < top and bottom < last for _w, top, bottom in inside)
    assert {w for w, top, _b in words if top > last} <= {"—", str(pages)}
    body = [w for w, _t, bottom in words if bottom < first and "一二三" in w]
    assert bool(body) == shares_the_page
