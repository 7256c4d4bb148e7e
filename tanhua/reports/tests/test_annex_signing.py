"""Signed annexes (issue 12): each deployment signs its annexes with a key of its own, the
receiving side registers the senders' public keys, and an import takes an annex only under
a registered, unrevoked key of the committee it names; every refusal names the file and why
in Chinese and writes nothing. Also the keys' write path, command line and pages."""

import base64
import copy
import json
import stat

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from tanhua.audit.models import AuditEntry
from tanhua.core.scoping import OutOfScope
from tanhua.core.testing import TEST_PASSWORD
from tanhua.exchange.models import BatchStatus, ImportBatch
from tanhua.exchange.services import ImportRejected, import_files
from tanhua.reports import annex, senders, services, signing
from tanhua.reports.models import ReceivedAnnex, TrustedSender
from tanhua.reports.testing import deployment_key, trust

pytestmark = pytest.mark.django_db

FIGURES = {"talks": {"held": 12, "total": 20}, "problems": {"total": 3, "by_area": {"A1": 3}}}


class Province:
    """A committee of another deployment: its own key file, its annexes signed with it."""

    def __init__(self, tmp_path, code="P31", name="某省委"):
        self.code, self.name = code, name
        self.key_file = tmp_path / f"{code}.key"
        self.dir = tmp_path

    def annex(self, figures=None, *, year=2026, code=None) -> dict:
        content = {
            "format": annex.FORMAT, "kind": "special", "year": year,
            "committee": {"code": code or self.code, "name": self.name, "level": "province"},
            "generated_at": "2026-12-01T00:00:00+08:00",
            # A copy: a test editing its annex must not edit the next test's.
            "figures": copy.deepcopy(figures or FIGURES),
        }  # fmt: skip
        with deployment_key(self.key_file):
            return annex.seal(content)

    def write(self, data: dict, name: str | None = None):
        path = self.dir / (name or f"{self.code}.annex.json")
        path.write_bytes(annex.dumps(data))
        return path

    def trusted(self, **kwargs):
        return trust(self.code, self.name, key_file=self.key_file, **kwargs)

    @property
    def public_key(self) -> str:
        with deployment_key(self.key_file):
            return signing.own_public_key()[0]


@pytest.fixture
def province(world, tmp_path):
    return Province(tmp_path)


def refusal(paths, actor=None) -> str:
    with pytest.raises(ImportRejected) as exc:
        import_files(paths, actor=actor)
    assert not ReceivedAnnex.objects.unscoped("test").exists()
    return "\n".join(str(p) for p in exc.value.problems)


# --- the key and the signature -----------------------------------------------------------


def test_the_signing_key_is_made_on_first_use_beside_the_settings_path_with_mode_0600(
    settings, tmp_path
):
    settings.ANNEX_SIGNING_KEY_FILE = str(tmp_path / "keys" / "annex-signing.key")
    public, key_id = signing.own_public_key()
    path = tmp_path / "keys" / "annex-signing.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(base64.b64decode(public)) == 32 and len(key_id) == 16
    assert signing.own_public_key() == (public, key_id)  # the same key the next time


def test_an_annex_carries_its_hash_its_signature_and_the_key_id(province):
    data = province.annex()
    assert data["format"] == "tanhua-annex/2"
    content = {k: v for k, v in data.items() if k not in annex.OUTSIDE_CONTENT}
    raw = base64.b64decode(province.public_key)
    assert data["key_id"] == signing.key_id_of(raw)
    assert data["sha256"] == annex.digest(content)
    assert signing.verifies(raw, annex.canonical(content), data["signature"])


def test_the_annex_workbook_shows_the_key_id_and_signature(province):
    import io

    from openpyxl import load_workbook

    data = province.annex()
    wb = load_workbook(io.BytesIO(annex.workbook(data)))
    cells = [c.value for row in wb["说明"].iter_rows() for c in row]
    assert data["key_id"] in cells and data["signature"] in cells


# --- verified on import -------------------------------------------------------------------


def test_a_genuine_annex_from_a_registered_sender_imports_and_names_its_key(province):
    province.trusted()
    data = province.annex()
    report = import_files([province.write(data)], actor=None)
    assert report.counts["annexes"].created == 1
    row = ReceivedAnnex.objects.unscoped("test").get()
    assert (row.committee_code, row.key_id, row.sha256) == ("P31", data["key_id"], data["sha256"])
    entry = AuditEntry.objects.filter(action="annex.import").get()
    assert data["key_id"] in json.dumps(entry.after)


def test_a_received_annex_keeps_its_figures_but_not_the_problem_texts_it_quotes(province):
    """The summary adds numbers; the 专报's typical cases are the sender's classified problem
    texts, which the received row (read by any staff of the office, whatever their
    clearance) has no use for."""
    province.trusted()
    figures = {**FIGURES, "cases": {"A1": ["某县委书记违规插手工程项目"]}}
    import_files([province.write(province.annex(figures))], actor=None)
    row = ReceivedAnnex.objects.unscoped("test").get()
    assert "cases" not in row.figures
    assert "违规插手" not in json.dumps(row.figures, ensure_ascii=False)
    assert row.figures["problems"] == FIGURES["problems"]


def test_an_unsigned_tanhua_annex_1_is_refused_as_unsigned(province):
    province.trusted()
    content = {k: v for k, v in province.annex().items() if k not in annex.OUTSIDE_CONTENT}
    old = {**content, "format": "tanhua-annex/1"}
    path = province.write({**old, "sha256": annex.digest(old)}, "old.annex.json")
    text = refusal([path])
    assert "old.annex.json" in text and "未签名的数据附件" in text and "tanhua-annex/1" in text


def test_an_annex_whose_signature_was_stripped_is_refused_as_unsigned(province):
    province.trusted()
    data = province.annex()
    del data["signature"]
    text = refusal([province.write(data, "stripped.annex.json")])
    assert "stripped.annex.json" in text and "未签名的数据附件" in text


def test_an_annex_under_an_unregistered_key_is_refused_naming_the_key_and_committee(province):
    data = province.annex()
    text = refusal([province.write(data)])
    assert "P31.annex.json" in text and "未登记的报送单位密钥" in text
    assert data["key_id"] in text and "P31" in text and "某省委" in text


def test_an_annex_under_a_revoked_key_is_refused(province):
    sender = province.trusted()
    services.revoke_sender(actor=None, sender=sender)
    text = refusal([province.write(province.annex())])
    assert "已于" in text and "吊销" in text and sender.key_id in text


def test_a_key_registered_for_another_committee_does_not_vouch_for_this_one(province):
    province.trusted()
    # The same deployment (or one who stole its key) claims to speak for another province.
    text = refusal([province.write(province.annex(code="P32"), "p32.annex.json")])
    assert "p32.annex.json" in text and "登记为 某省委（P31）" in text and "P32" in text


def test_an_annex_edited_after_signing_and_rehashed_is_refused_as_a_bad_signature(province):
    province.trusted()
    data = province.annex()
    data["figures"]["talks"]["held"] = 1200
    content = {k: v for k, v in data.items() if k not in annex.OUTSIDE_CONTENT}
    data["sha256"] = annex.digest(content)
    text = refusal([province.write(data, "edited.annex.json")])
    assert "edited.annex.json" in text and "签名无效" in text


def test_a_garbled_signature_is_refused_and_never_a_traceback(province):
    province.trusted()
    data = {**province.annex(), "signature": "不是base64!!"}
    assert "签名无效" in refusal([province.write(data)])


def test_one_refused_annex_refuses_the_whole_set(province, tmp_path):
    province.trusted()
    other = Province(tmp_path, "P32", "另一省委")
    good = province.write(province.annex())
    unknown = other.write(other.annex())
    text = refusal([good, unknown])
    assert "P32.annex.json" in text and "P31.annex.json" not in text


def test_a_key_registered_above_the_receiving_office_counts_there_and_a_siblings_does_not(
    province, world
):
    data = province.annex()
    path = province.write(data)
    province.trusted(actor=world.users["commission_c2"])
    assert "未登记的报送单位密钥" in refusal([path], actor=world.users["commission_c1"])
    province.trusted(actor=world.users["commission_p"])
    import_files([path], actor=world.users["commission_c1"])
    row = ReceivedAnnex.objects.unscoped("test").get()
    assert row.received_at_org.code == "C1"


# --- the write path of keys ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("", "请填写公钥"),
        ("!!!", "不是有效的 base64"),
        (base64.b64encode(b"x" * 16).decode(), "长度不正确"),
    ],
)
def test_a_malformed_public_key_is_refused_in_chinese(world, key, why):
    with pytest.raises(services.ValidationError) as exc:
        services.register_sender(
            actor=None, committee_code="P31", committee_name="某省委", public_key=key
        )
    assert why in "；".join(exc.value.messages)
    assert not TrustedSender.objects.unscoped("test").exists()


def test_a_bad_committee_code_and_an_empty_name_are_named(province):
    with pytest.raises(services.ValidationError) as exc:
        services.register_sender(
            actor=None, committee_code="a b", committee_name="", public_key=province.public_key
        )
    text = "；".join(exc.value.messages)
    assert "编码“a b”无效" in text and "请填写报送党委名称" in text


def test_a_key_is_registered_once_and_a_revoked_key_never_again(province):
    sender = province.trusted()
    with pytest.raises(services.ValidationError, match="已登记为 某省委"):
        province.trusted()
    services.revoke_sender(actor=None, sender=sender)
    with pytest.raises(services.ValidationError, match="吊销，不能重新登记"):
        province.trusted()
    with pytest.raises(services.ValidationError, match="无需再次吊销"):
        services.revoke_sender(actor=None, sender=sender)
    actions = list(
        AuditEntry.objects.filter(object_type="annex_key").values_list("action", flat=True)
    )
    assert actions == ["annex_key.register", "annex_key.revoke"]


def test_keys_are_registered_at_the_actors_office_and_revoked_only_within_its_scope(
    province, world
):
    sender = province.trusted(actor=world.users["commission_c1"])
    assert sender.received_at_org.code == "C1" and sender.registered_by.username == "commission_c1"
    with pytest.raises(OutOfScope):
        services.revoke_sender(actor=world.users["commission_c2"], sender=sender)
    with pytest.raises(OutOfScope):
        services.revoke_sender(actor=world.users["viewer_c1"], sender=sender)
    with pytest.raises(OutOfScope):
        province.trusted(actor=world.users["viewer_c1"])
    services.revoke_sender(actor=world.users["commission_p"], sender=sender)
    assert TrustedSender.objects.visible_to(world.users["viewer_c1"]).get().is_revoked
    assert not TrustedSender.objects.visible_to(world.users["commission_c2"]).exists()


def test_trusted_for_prefers_a_revocation_anywhere_on_the_way_up(province, world):
    province.trusted(actor=world.users["commission_p"])
    below = province.trusted(actor=world.users["commission_c1"])
    services.revoke_sender(actor=None, sender=below)
    trusted = senders.trusted_for(world.orgs["C1"])
    assert trusted[below.key_id].revoked_at
    assert not senders.trusted_for(world.orgs["P"])[below.key_id].revoked_at


# --- the command line ---------------------------------------------------------------------


def test_annex_key_prints_the_public_key_the_key_id_and_how_to_send_it_upward(world, capsys):
    call_command("annex", "key")
    out = capsys.readouterr().out
    public, key_id = signing.own_public_key()
    assert public in out and key_id in out
    assert "报送上级单位" in out and "tanhua annex trust --committee P" in out


def test_annex_trust_list_and_revoke_from_the_command_line(province, tmp_path, capsys):
    key_file = tmp_path / "p31.pub"
    key_file.write_text(province.public_key + "\n", encoding="utf-8")
    call_command(
        "annex", "trust", "--committee", "P31", "--name", "某省委", "--key", f"@{key_file}"
    )
    sender = TrustedSender.objects.unscoped("test").get()
    assert sender.received_at_org.code == "P"
    call_command("annex", "list")
    out = capsys.readouterr().out
    assert "P31" in out and sender.key_id in out and "有效" in out
    call_command("annex", "revoke", sender.key_id)
    call_command("annex", "list")
    assert "已吊销" in capsys.readouterr().out
    with pytest.raises(CommandError, match="已经吊销"):
        call_command("annex", "revoke", sender.key_id)


@pytest.mark.parametrize(
    ("argv", "why"),
    [
        (["trust", "--committee", "P31", "--name", "某省委", "--key", "abc"], "公钥"),
        (["trust", "--committee", "P31", "--name", "某省委", "--key", "@/nonexistent"], "无法读取"),
        (["revoke", "0123456789abcdef"], "没有登记密钥指纹"),
    ],
)
def test_annex_command_errors_are_one_chinese_line(world, argv, why):
    with pytest.raises(CommandError, match=why):
        call_command("annex", *argv)


# --- the pages ----------------------------------------------------------------------------


def login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def test_staff_register_and_revoke_a_senders_key_on_the_page(client, province, world):
    login(client, world.users["commission_c1"])
    page = client.get(reverse("reports:senders")).content.decode()
    assert signing.own_public_key()[1] in page and "报送上级单位" in page
    r = client.post(
        reverse("reports:sender_register"),
        {"committee_code": "P31", "committee_name": "某省委", "public_key": province.public_key},
        follow=True,
    )
    sender = TrustedSender.objects.visible_to(world.users["commission_c1"]).get()
    assert "已登记 某省委 的密钥" in r.content.decode() and sender.received_at_org.code == "C1"
    r = client.post(reverse("reports:sender_revoke", args=[sender.pk]), follow=True)
    assert "已吊销密钥" in r.content.decode()
    sender.refresh_from_db()
    assert sender.is_revoked


def test_a_bad_key_on_the_page_answers_in_chinese_and_registers_nothing(client, world):
    login(client, world.users["commission_c1"])
    r = client.post(
        reverse("reports:sender_register"),
        {"committee_code": "P31", "committee_name": "某省委", "public_key": "abc"},
        follow=True,
    )
    assert r.status_code == 200 and "报送单位密钥未登记" in r.content.decode()
    assert not TrustedSender.objects.unscoped("test").exists()


def test_a_viewer_sees_the_keys_but_no_form_and_a_sibling_sees_none(client, province, world):
    province.trusted(actor=world.users["commission_c1"])
    login(client, world.users["viewer_c1"])
    page = client.get(reverse("reports:senders")).content.decode()
    assert "某省委" in page and "登记报送单位密钥" not in page
    client.logout()
    login(client, world.users["commission_c2"])
    assert "某省委" not in client.get(reverse("reports:senders")).content.decode()


def _upload(client, paths):
    from django.core.files.uploadedfile import SimpleUploadedFile

    files = [SimpleUploadedFile(p.name, p.read_bytes()) for p in paths]
    return client.post(reverse("reports:annex_upload"), {"files": files})


def test_annexes_uploaded_on_the_page_are_previewed_then_imported_on_confirmation(
    client, province, world
):
    province.trusted(actor=world.users["commission_c1"])
    login(client, world.users["commission_c1"])
    assert "上传数据附件" in client.get(reverse("reports:annexes")).content.decode()
    r = _upload(client, [province.write(province.annex())])
    batch = ImportBatch.objects.visible_to(world.users["commission_c1"]).get()
    assert r.status_code == 302 and r.url == reverse("exchange:preview", args=[batch.pk])
    assert batch.status == BatchStatus.READY
    assert not ReceivedAnnex.objects.unscoped("test").exists()
    client.post(reverse("exchange:confirm", args=[batch.pk]))
    row = ReceivedAnnex.objects.visible_to(world.users["commission_c1"]).get()
    assert row.committee_code == "P31" and row.received_at_org.code == "C1"
    assert "某省委" in client.get(reverse("reports:annexes")).content.decode()


def test_an_uploaded_annex_that_fails_is_named_on_the_preview_and_nothing_is_written(
    client, province, world
):
    login(client, world.users["commission_c1"])
    r = _upload(client, [province.write(province.annex(), "省委.annex.json")])
    page = client.get(r.url).content.decode()
    assert "省委.annex.json" in page and "未登记的报送单位密钥" in page
    batch = ImportBatch.objects.visible_to(world.users["commission_c1"]).get()
    assert batch.status == BatchStatus.REJECTED
    assert not ReceivedAnnex.objects.unscoped("test").exists()
    errors = client.get(reverse("exchange:errors", args=[batch.pk]))
    assert errors.status_code == 200 and errors["Content-Type"].startswith("application/vnd")


def test_a_file_that_is_not_json_is_refused_before_any_batch(client, world, tmp_path):
    path = tmp_path / "报告.docx"
    path.write_bytes(b"PK")
    login(client, world.users["commission_c1"])
    r = _upload(client, [path])
    assert r.status_code == 302 and r.url == reverse("reports:annexes")
    assert "报告.docx" in client.get(r.url).content.decode()
    assert not ImportBatch.objects.visible_to(world.users["commission_c1"]).exists()


def test_a_viewer_sees_the_summary_without_the_upload_form(client, world):
    login(client, world.users["viewer_c1"])
    assert "上传数据附件" not in client.get(reverse("reports:annexes")).content.decode()


def test_the_migration_removes_the_problem_texts_earlier_imports_stored(province):
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    province.trusted()
    import_files([province.write(province.annex())], actor=None)
    quoted = {**FIGURES, "cases": {"A1": ["某县委书记违规插手工程项目"]}}
    ReceivedAnnex.objects.unscoped("test").update(figures=quoted)
    name = "0006_received_annex_figures_only"
    migration = importlib.import_module(f"tanhua.reports.migrations.{name}")
    state = MigrationLoader(connection).project_state(("reports", name))
    migration.strip_quoted_texts(state.apps, None)
    assert ReceivedAnnex.objects.unscoped("test").get().figures == FIGURES
