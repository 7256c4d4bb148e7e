"""Attempts past scope, clearance and 回避 on today's report paths that held: kept as cheap
tests so that they keep holding (the holes found beside them have their own files)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tanhua.core.testing import TEST_PASSWORD
from tanhua.exchange.models import ImportBatch
from tanhua.exchange.services import import_files
from tanhua.reports import annex, received, services
from tanhua.reports.models import ReceivedAnnex, Report, TrustedSender
from tanhua.reports.testing import add_year, deployment_key
from tanhua.reports.tests.test_annex_signing import Province, refusal
from tanhua.talks.testing import add_talks

pytestmark = pytest.mark.django_db


@pytest.fixture
def province(world, tmp_path):
    return Province(tmp_path)


def client_of(user) -> Client:
    c = Client()
    assert c.login(username=user.username, password=TEST_PASSWORD)
    return c


# --- keys and annexes ------------------------------------------------------------------------


def test_an_annex_naming_a_registered_key_id_but_signed_by_another_key_is_refused(
    province, tmp_path
):
    province.trusted()
    genuine = province.annex()
    thief = Province(tmp_path, "X", "冒充者")
    with deployment_key(thief.key_file):
        content = {k: v for k, v in genuine.items() if k not in annex.OUTSIDE_CONTENT}
        content["figures"] = {"talks": {"held": 9999}}
        forged = {**annex.seal(content), "key_id": genuine["key_id"]}
    assert "签名无效" in refusal([province.write(forged, "forged.annex.json")])


def test_a_key_revoked_at_c1_is_not_revived_by_registering_it_again_at_a_county(province, world):
    from tanhua.accounts.roles import Role
    from tanhua.core.testing import make_user

    sender = province.trusted(actor=world.users["commission_c1"])
    services.revoke_sender(actor=world.users["commission_c1"], sender=sender)
    county = make_user("commission_k11", org=world.orgs["K11"], roles=[Role.COMMISSION])
    # Registering it below is allowed (another office), but the revocation above still counts.
    province.trusted(actor=county)
    text = refusal([province.write(province.annex())], actor=county)
    assert "吊销" in text


@pytest.mark.parametrize("who", ["viewer_c1", "submitter_c1", "subject_k11", "talker_c1"])
def test_only_the_staff_who_import_may_upload_annexes_or_register_keys(world, province, who):
    c = client_of(world.users[who])
    upload = SimpleUploadedFile("p.annex.json", annex.dumps(province.annex()))
    assert c.post(reverse("reports:annex_upload"), {"files": [upload]}).status_code == 404
    body = {"committee_code": "P31", "committee_name": "某省委", "public_key": province.public_key}
    assert c.post(reverse("reports:sender_register"), body).status_code == 404
    assert not ImportBatch.objects.exists()
    assert not TrustedSender.objects.unscoped("test").exists()


def test_revoking_a_siblings_key_answers_like_revoking_no_key(world, province):
    sender = province.trusted(actor=world.users["commission_c2"])
    c = client_of(world.users["commission_c1"])
    hidden = c.post(reverse("reports:sender_revoke", args=[sender.pk]))
    absent = c.post(reverse("reports:sender_revoke", args=[sender.pk + 999]))
    assert hidden.status_code == absent.status_code == 404
    sender.refresh_from_db()
    assert not sender.is_revoked


def test_an_annex_file_past_the_size_limit_is_refused_before_any_batch(world, settings):
    settings.IMPORT_MAX_FILE_BYTES = 1024
    c = client_of(world.users["commission_c1"])
    big = SimpleUploadedFile("big.annex.json", b"{" + b" " * 4096 + b"}")
    r = c.post(reverse("reports:annex_upload"), {"files": [big]}, follow=True)
    assert "big.annex.json" in r.content.decode() and "过大" in r.content.decode()
    assert not ImportBatch.objects.exists()


def test_the_annex_summary_of_a_sibling_city_counts_nothing_received_at_c1(province, world):
    province.trusted(actor=world.users["commission_p"])
    import_files([province.write(province.annex())], actor=world.users["commission_c1"])
    assert received.aggregate_received(world.users["commission_c2"], 2026)["committees"] == 0
    assert not ReceivedAnnex.objects.visible_to(world.users["commission_c2"]).exists()
    page = client_of(world.users["commission_c2"]).get(reverse("reports:annexes"))
    assert "某省委" not in page.content.decode()


# --- 密级 in the 版头 -------------------------------------------------------------------------


@pytest.fixture
def year(world):
    return add_year(add_talks(world))


def _report(w, user):
    return services.create_report(actor=user, kind="special", year=2026, committee=w.orgs["C1"])


def _header_post(report, **changes) -> dict:
    data = {f: getattr(report, f) for f in services.HEADER_FIELDS}
    return {**data, "version": report.version, **changes}


def test_raising_the_classification_past_ones_own_clearance_on_the_page_is_refused(year, owner):
    report = services.create_report(
        actor=owner, kind="special", year=2026, committee=year.orgs["C1"]
    )
    r = client_of(owner).post(
        reverse("reports:header", args=[report.pk]),
        _header_post(report, classification="3"),
        follow=True,
    )
    assert "密级不能高于您本人的涉密等级" in r.content.decode()
    assert Report.objects.visible_to(owner).get(pk=report.pk).classification == 2


@pytest.mark.parametrize("raw", [True, "2.5", " 0 ", None, [2], 99])
def test_a_classification_that_is_no_level_is_refused_through_the_service(year, owner, raw):
    report = services.create_report(
        actor=owner, kind="special", year=2026, committee=year.orgs["C1"]
    )
    with pytest.raises(services.ValidationError):
        services.update_header(
            actor=owner, report=report, expected_version=report.version, classification=raw
        )
    assert Report.objects.visible_to(owner).get(pk=report.pk).classification == 2


def test_a_colleague_below_a_reports_classification_can_neither_read_nor_edit_it(year, owner):
    boss = year.users["commission_p"]
    report = services.create_report(
        actor=owner, kind="special", year=2026, committee=year.orgs["C1"]
    )
    services.update_header(
        actor=boss, report=report, expected_version=report.version, classification=3
    )
    c = client_of(owner)
    for url in (
        reverse("reports:detail", args=[report.pk]),
        reverse("reports:download", args=[report.pk, "docx"]),
    ):
        assert c.get(url).status_code == 404
    assert c.post(reverse("reports:header", args=[report.pk]), {}).status_code == 404
