"""An attacker's pass over the signed annexes, the senders' keys and their pages: odd files
that once ended in a traceback, an annex received at a sibling office, a superseded annex
replayed, and the attempts that held (kept cheap, so that they keep holding)."""

import base64
import copy

import pytest

from tanhua.exchange.services import import_files
from tanhua.reports import annex, received, services
from tanhua.reports.models import ReceivedAnnex, TrustedSender
from tanhua.reports.testing import deployment_key
from tanhua.reports.tests.test_annex_signing import FIGURES, Province, refusal

pytestmark = pytest.mark.django_db


@pytest.fixture
def province(world, tmp_path):
    return Province(tmp_path)


def signed(province: Province, **overrides) -> dict:
    """An annex the province's own deployment signed, with fields set as it chose."""
    content = {
        "format": annex.FORMAT, "kind": "special", "year": 2026,
        "committee": {"code": province.code, "name": province.name, "level": "province"},
        "generated_at": "2026-12-01T00:00:00+08:00", "figures": copy.deepcopy(FIGURES),
    } | overrides  # fmt: skip
    with deployment_key(province.key_file):
        return annex.seal(content)


def write_raw(tmp_path, text: str | bytes, name="odd.annex.json"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


# --- odd files: refused in words, never a traceback -----------------------------------------


def test_a_deeply_nested_annex_is_refused_in_chinese_and_not_a_traceback(province, tmp_path):
    province.trusted()
    text = refusal([write_raw(tmp_path, "[" * 200_000 + "]" * 200_000)])
    assert "odd.annex.json" in text and "不是有效的 JSON 数据附件" in text


def test_a_signed_annex_nesting_its_figures_past_reason_is_refused(province, tmp_path):
    province.trusted()
    deep: dict = {}
    for _ in range(200):
        deep = {"x": deep}
    data = signed(province, figures={**FIGURES, "extra": deep})
    assert "层级过深" in refusal([province.write(data)])


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_a_signed_annex_with_a_figure_that_is_no_number_is_refused_before_it_is_stored(
    province, constant
):
    province.trusted()
    # Python's json writes and reads these; no database's JSON column takes them.
    data = signed(province, figures={"talks": {"held": float(constant), "total": 20}})
    assert constant in annex.dumps(data).decode()
    path = province.write(data, "nan.annex.json")
    text = refusal([path])
    assert "nan.annex.json" in text and constant in text


@pytest.mark.parametrize("year", [True, -1, 1999, 70000, 2026.0])
def test_a_signed_annex_for_a_year_that_is_no_year_is_refused_in_words(province, year):
    province.trusted()
    text = refusal([province.write(signed(province, year=year))])
    assert "年度" in text


def test_a_signed_annex_with_a_huge_committee_name_is_refused_without_echoing_it_whole(
    province,
):
    # Not registered: the refusal names the committee, but not a megabyte of it.
    data = signed(province, committee={"code": "P31", "name": "省" * 100_000})
    text = refusal([province.write(data)])
    assert "未登记的报送单位密钥" in text and len(text) < 2_000


def test_a_file_that_is_not_utf8_is_refused_naming_the_encoding(province, tmp_path):
    text = refusal([write_raw(tmp_path, "{}".encode("utf-16"))])
    assert "odd.annex.json" in text and "UTF-8" in text


@pytest.mark.parametrize("body", ["", "null", "[]", "42", '"annex"', "{", "{}"])
def test_a_file_that_is_no_annex_is_refused_in_words(province, tmp_path, body):
    text = refusal([write_raw(tmp_path, body)])
    assert "odd.annex.json" in text and ("JSON" in text or "format" in text or "空" in text)


@pytest.mark.parametrize(
    "signature", ["", "=" * 88, "AAAA", base64.b64encode(b"x" * 64).decode(), 12, None, [1]]
)
def test_a_signature_that_is_wrong_base64_or_no_string_is_refused_as_such(province, signature):
    province.trusted()
    data = {**signed(province), "signature": signature}
    text = refusal([province.write(data)])
    assert "签名无效" in text or "未签名" in text


def test_a_pem_public_key_is_refused_in_chinese_and_registers_nothing(world):
    pem = (
        "-----BEGIN PUBLIC KEY-----\n"
        "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n"
        "-----END PUBLIC KEY-----"
    )
    with pytest.raises(services.ValidationError) as exc:
        services.register_sender(
            actor=None, committee_code="P31", committee_name="某省委", public_key=pem
        )
    assert "base64" in "；".join(exc.value.messages)
    assert not TrustedSender.objects.unscoped("test").exists()


# --- received where, and how often ----------------------------------------------------------


def test_an_annex_a_sibling_city_received_is_received_again_at_c1_as_if_it_were_new(
    province, world
):
    # A key registered at the province counts at both cities; what C2 received is not C1's to
    # know of, so C1's import must neither skip the annex nor count it as already there.
    province.trusted(actor=world.users["commission_p"])
    path = province.write(province.annex())
    import_files([path], actor=world.users["commission_c2"])
    report = import_files([path], actor=world.users["commission_c1"])
    assert report.counts["annexes"].created == 1 and report.counts["annexes"].unchanged == 0
    assert ReceivedAnnex.objects.visible_to(world.users["commission_c1"]).count() == 1


def test_the_province_sees_one_annex_received_at_two_cities_once(province, world):
    province.trusted(actor=world.users["commission_p"])
    path = province.write(province.annex())
    import_files([path], actor=world.users["commission_c1"])
    import_files([path], actor=world.users["commission_c2"])
    again = import_files([path], actor=world.users["commission_p"])
    assert again.counts["annexes"].created == 0
    agg = received.aggregate_received(world.users["commission_p"], 2026)
    assert agg["committees"] == 1 and agg["talks"]["held"] == 12


def test_the_same_annex_twice_at_one_office_is_one_row(province, world):
    province.trusted(actor=world.users["commission_p"])
    path = province.write(province.annex())
    import_files([path], actor=world.users["commission_c1"])
    again = import_files([path], actor=world.users["commission_c1"])
    assert again.counts["annexes"].created == 0 and again.counts["annexes"].unchanged == 1
    assert ReceivedAnnex.objects.unscoped("test").count() == 1


def test_a_superseded_annex_replayed_after_the_newer_one_is_not_summed_twice(province, world):
    province.trusted()
    older = signed(province, generated_at="2026-12-01T09:00:00+08:00")
    newer = signed(
        province,
        generated_at="2026-12-05T09:00:00+08:00",
        figures={**FIGURES, "talks": {"held": 20, "total": 20}},
    )
    import_files([province.write(newer, "newer.annex.json")], actor=None)
    import_files([province.write(older, "older.annex.json")], actor=None)
    agg = received.aggregate_received(None, 2026)
    assert agg["committees"] == 1 and agg["talks"]["held"] == 20
    assert [r["sha256"] for r in agg["rows"]] == [newer["sha256"]]


@pytest.mark.parametrize("stamp", ["", "昨天", 20261201, None])
def test_an_annex_without_a_readable_generation_time_is_refused_in_words(province, stamp):
    province.trusted()
    text = refusal([province.write(signed(province, generated_at=stamp))])
    assert "生成时间" in text
