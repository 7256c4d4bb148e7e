"""Attachments are checked by what they contain, not by their names, and their text is
extracted for search."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import override_settings

from tanhua.files import content
from tanhua.files.content import FileRefused
from tanhua.files.services import safe_filename
from tanhua.files.testing import EXE_BYTES, docx_bytes, pdf_bytes, plain_zip_bytes, xlsx_bytes


def test_a_real_docx_xlsx_and_pdf_are_recognized_by_their_content():
    assert content.sniff(docx_bytes(), "说明.docx") is content.DOCX
    assert content.sniff(xlsx_bytes(), "考核.xlsx") is content.XLSX
    assert content.sniff(pdf_bytes(), "报告.pdf") is content.PDF


def test_an_executable_renamed_pdf_is_refused_as_an_unsupported_type():
    with pytest.raises(FileRefused, match="不支持的文件类型"):
        content.sniff(EXE_BYTES, "报告.pdf")


def test_a_zip_that_is_no_office_file_is_refused():
    with pytest.raises(FileRefused, match="不支持的文件类型"):
        content.sniff(plain_zip_bytes(), "材料.docx")


def test_a_zip_declaring_a_word_document_it_does_not_hold_is_refused_as_damaged():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        with zipfile.ZipFile(io.BytesIO(docx_bytes())) as real:
            archive.writestr("[Content_Types].xml", real.read("[Content_Types].xml"))
    with pytest.raises(FileRefused, match="已损坏"):
        content.sniff(out.getvalue(), "材料.docx")


def test_a_content_types_part_with_a_doctype_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", '<!DOCTYPE x [<!ENTITY a "b">]><Types/>')
    with pytest.raises(FileRefused, match="不支持的文件类型"):
        content.sniff(out.getvalue(), "材料.docx")


def test_a_docx_named_pdf_is_refused_saying_what_it_really_is():
    with pytest.raises(FileRefused, match=r"扩展名为 \.pdf，但内容是 Word"):
        content.sniff(docx_bytes(), "报告.pdf")


def test_an_empty_file_is_refused():
    with pytest.raises(FileRefused, match="文件为空"):
        content.sniff(b"", "空.pdf")


@override_settings(ATTACHMENT_MAX_MB=1)
def test_a_file_past_the_size_limit_is_refused_naming_the_limit():
    big = pdf_bytes() + b"0" * (1024 * 1024)
    with pytest.raises(FileRefused, match="不得超过 1 MB"):
        content.sniff(big, "大.pdf")


def test_a_truncated_pdf_is_refused_as_damaged():
    with pytest.raises(FileRefused, match="已损坏"):
        content.sniff(pdf_bytes()[:200], "坏.pdf")


def test_a_damaged_docx_whose_parts_are_declared_is_refused_when_read():
    data = bytearray(docx_bytes())
    kind = content.sniff(bytes(data), "a.docx")
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as real:
        parts = {n: real.read(n) for n in real.namelist()}
    parts["word/document.xml"] = b"<not xml"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, body in parts.items():
            archive.writestr(name, body)
    with pytest.raises(FileRefused, match="已损坏"):
        content.extract_text(out.getvalue(), kind)


def test_the_text_of_a_docx_includes_its_paragraphs_and_tables():
    table = [["问题", "整改"], ["超职数配备", "已整改"]]
    data = docx_bytes("东城市委选人用人专项检查报告", table=table)
    text = content.extract_text(data, content.DOCX)
    assert "东城市委选人用人专项检查报告" in text
    assert "超职数配备\t已整改" in text


def test_the_text_of_an_xlsx_reads_whole_numbers_without_a_decimal_point():
    data = xlsx_bytes([["单位", "得分", "排名"], ["东城甲县", 88.5, 3.0]])
    text = content.extract_text(data, content.XLSX)
    assert "东城甲县\t88.5\t3" in text
    assert text.startswith("考核")


@pytest.mark.skipif(content.pdftotext_path() is None, reason="pdftotext (poppler-utils) missing")
def test_the_text_of_a_pdf_is_read_with_pdftotext_where_installed():
    text = content.extract_text(pdf_bytes("Audit of Dongcheng 2025"), content.PDF)
    assert "Audit of Dongcheng 2025" in text


def test_the_text_of_a_pdf_is_read_with_pypdf_without_pdftotext():
    text = content.extract_text(
        pdf_bytes("Audit of Dongcheng 2025"), content.PDF, use_poppler=False
    )
    assert "Audit of Dongcheng 2025" in text


def test_a_stored_name_keeps_no_directories_or_quotes_and_ends_in_the_real_extension():
    assert safe_filename('..\\..\\etc/"报告".pdf', content.PDF) == "报告.pdf"
    assert safe_filename("材料.PDF", content.PDF) == "材料.pdf"
    assert safe_filename("", content.DOCX) == "附件.docx"
    assert safe_filename("a\r\nb.xlsx", content.XLSX) == "a_b.xlsx"
