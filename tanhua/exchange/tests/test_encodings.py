"""A CSV is decoded correctly (UTF-8, UTF-8 BOM, GB18030, UTF-16 with BOM) or refused naming
the encoding it seems to be in, never imported as mojibake (issue 7)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tanhua.exchange import encodings
from tanhua.exchange.services import ImportRejected, import_files
from tanhua.org.models import Cadre

CADRES = "code,name,tier,gender\nG1,陳國華,省管,男\nG2,林志明,縣管,女\n"
SIMPLIFIED = "code,name,tier,gender\nG1,陈国华,省管,男\nG2,林志明,县管,女\n"


def names():
    return sorted(Cadre.objects.unscoped("test").values_list("name", flat=True))


def test_a_big5_file_is_refused_naming_big5_and_nothing_is_written(db, write):
    path = write("cadres.csv", CADRES.encode("big5"))
    with pytest.raises(ImportRejected) as exc:
        import_files([path], actor=None)
    (problem,) = exc.value.problems
    assert (problem.source, problem.row) == ("cadres.csv", None)
    assert "Big5" in problem.message
    assert "UTF-8" in problem.message
    assert names() == []


def test_a_big5_file_with_a_single_name_is_refused_too(db, write):
    path = write("cadres.csv", "code,name,tier\nG1,陳國華,provincial\n".encode("big5"))
    with pytest.raises(ImportRejected) as exc:
        import_files([path], actor=None)
    assert "Big5" in exc.value.problems[0].message


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_file_with_a_bom_is_imported(db, write, encoding):
    bom = {"utf-16-le": "\ufeff", "utf-16-be": "\ufeff"}.get(encoding, "")
    path = write("cadres.csv", (bom + SIMPLIFIED).encode(encoding))
    import_files([path], actor=None)
    assert names() == ["林志明", "陈国华"]


@pytest.mark.parametrize("text", [SIMPLIFIED, "code,name,tier\nG1,Wang,county\n"])
@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_a_utf16_file_without_a_bom_is_refused_naming_utf16(db, write, text, encoding):
    path = write("cadres.csv", text.encode(encoding))
    with pytest.raises(ImportRejected) as exc:
        import_files([path], actor=None)
    assert "UTF-16" in exc.value.problems[0].message
    assert names() == []


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_simplified_files_in_the_usual_encodings_are_imported(db, write, encoding):
    import_files([write("cadres.csv", SIMPLIFIED.encode(encoding))], actor=None)
    assert names() == ["林志明", "陈国华"]


# -- properties of the decoder ---------------------------------------------------------------
decoder_settings = settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
# Text as a spreadsheet holds it: any character but NUL (which no CSV holds) and the BOM.
texts = st.text(st.characters(blacklist_characters="\x00\ufeff", codec="utf-8"), max_size=80)
# GB18030 decodes almost any bytes, so Big5 is told apart by plausibility: the property
# holds for text as simplified spreadsheets hold it (common characters, punctuation, ASCII,
# a · in a minority name), not for strings of rare or non-Chinese letters whose bytes are
# as plausible as Big5 (e.g. "丁丁" is also the Big5 of "間間").
simplified_text = st.text(
    st.one_of(
        st.sampled_from(sorted(encodings.SIMPLIFIED_COMMON)),
        st.sampled_from(list("，。、；：？！“”（）《》·—")),
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    ),
    min_size=1,
    max_size=80,
)


@decoder_settings
@given(texts)
def test_any_utf8_text_round_trips(text):
    assert encodings.decode(text.encode("utf-8")) == text
    assert encodings.decode(text.encode("utf-8-sig")) == text


@decoder_settings
@given(texts)
def test_any_utf16_text_with_a_bom_round_trips(text):
    assert encodings.decode(text.encode("utf-16")) == text
    assert encodings.decode(b"\xfe\xff" + text.encode("utf-16-be")) == text


@decoder_settings
@given(simplified_text)
def test_any_gb18030_text_round_trips(text):
    data = text.encode("gb18030")
    # Bytes that are valid UTF-8 as well are read as UTF-8 (DESIGN §6 reads it first).
    try:
        data.decode("utf-8")
        assume(False)
    except UnicodeDecodeError:
        pass
    assert encodings.decode(data) == text


@decoder_settings
@given(st.binary(max_size=200))
def test_any_bytes_decode_or_are_refused_with_a_message(data):
    try:
        assert isinstance(encodings.decode(data), str)
    except encodings.Undecodable as exc:
        assert "UTF-8" in str(exc)


def test_a_gb18030_file_with_minority_names_and_rare_characters_is_imported(db, write):
    rows = "code,name,tier\nG1,阿依古丽·买买提,县管\nG2,王镕,县管\nG3,李喆,县管\n"
    import_files([write("cadres.csv", rows.encode("gb18030"))], actor=None)
    assert names() == ["李喆", "王镕", "阿依古丽·买买提"]
