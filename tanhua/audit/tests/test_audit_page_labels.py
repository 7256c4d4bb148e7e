"""The auditor's page and export speak Chinese (issue 7): labels beside the codes, filters as
choices, names only where the viewer's scope reaches."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tanhua.audit import services
from tanhua.audit.models import AuditEntry, Result

LOG = reverse("audit:log")
EXPORT = reverse("audit:export")


@pytest.fixture
def auditor_client(client, world):
    client.force_login(world.users["auditor"])
    return client


@pytest.fixture
def coded_trail(world):
    """The entries issue 7 quoted: a login, a refusal, a read, a rejected upload."""
    owner, colleague = world.users["commission_c1"], world.users["organization_c1"]
    services.record("auth.login", object_type="user", object_id="commission_c1", actor=owner)
    services.record_denied(path="/org/cadres/GC2/", status=404, actor=owner)
    services.record("cadre.list", object_type="cadre", actor=owner, detail={"count": 3})
    services.record(
        "cadre.read",
        object_type="cadre",
        object_id="GK11",
        object_repr="甲县书记戊",
        actor=colleague,
    )
    services.record(
        "import.upload",
        object_type="import_batch",
        object_id="4",
        object_repr="#4 东城干部名单.xlsx",
        result=Result.DENIED,
        actor=owner,
    )


def _rows(response) -> list[tuple]:
    data = b"".join(response.streaming_content)
    return list(
        load_workbook(io.BytesIO(data), read_only=True)["audit_log"].iter_rows(values_only=True)
    )


def test_the_audit_page_names_actions_roles_results_and_objects_in_chinese(
    auditor_client, coded_trail
):
    body = auditor_client.get(LOG).content.decode()
    table = body[body.index('id="audit-entries"') :]
    for label in ("登录", "拒绝访问", "查阅干部", "上传导入文件"):
        assert f"<td>{label}<br>" in table
    assert "纪委监委工作人员" in table and "组织部工作人员" in table
    assert "<td>commission</td>" not in table
    assert "导入批次 <code>4</code>" in table
    assert "干部 <code>GK11</code>" in table
    # A list names no one object: how many people it showed instead.
    assert "干部（共 3 个）" in table
    # A refusal stands out from the successes around it.
    assert '<td class="result-denied"><strong>拒绝</strong></td>' in table
    assert '<td class="result-ok">成功</td>' in table
    # The codes stay, small, for whoever searches by them.
    assert '<code class="muted">access.denied</code>' in table


def test_the_auditor_sees_no_name_of_a_person_or_an_upload_only_codes(auditor_client, coded_trail):
    body = auditor_client.get(LOG).content.decode()
    assert "甲县书记戊" not in body
    assert "东城干部名单" not in body
    assert AuditEntry.objects.filter(object_repr="甲县书记戊").exists()


def test_the_filter_offers_actions_roles_results_and_types_as_choices(auditor_client, world):
    body = auditor_client.get(LOG).content.decode()
    form = body[: body.index('id="audit-results"')]
    for name in ("action", "role", "result", "object_type"):
        assert f'<select name="{name}"' in form
    assert '<option value="auth.">登录（全部操作）</option>' in form
    assert '<option value="access.denied">拒绝访问</option>' in form
    assert '<option value="commission">纪委监委工作人员</option>' in form
    assert '<option value="denied">拒绝</option>' in form
    assert '<option value="import_batch">导入批次</option>' in form
    # The user and the object's code stay free text.
    assert '<input type="text" name="user"' in form
    assert '<input type="text" name="object_id"' in form


def test_the_role_filter_matches_a_role_as_a_whole(auditor_client, coded_trail):
    response = auditor_client.get(LOG, {"role": "organization"})
    assert {e.action for e in response.context["page"].object_list} == {"cadre.read"}
    response = auditor_client.get(LOG, {"role": "commission", "result": "denied"})
    actions = {e.action for e in response.context["page"].object_list}
    assert actions == {"access.denied", "import.upload"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"role": "boss"}, "角色：“boss”不是已知的角色"),
        ({"result": "maybe"}, "结果：“maybe”不是已知的结果"),
        ({"action": "DROP TABLE"}, "操作：“DROP TABLE”不是有效的代码"),
        ({"object_type": "x" * 65}, "对象类型：不能超过 64 个字符"),
    ],
)
def test_a_bad_filter_value_is_refused_in_chinese_naming_the_field(
    auditor_client, coded_trail, query, message
):
    response = auditor_client.get(LOG, query)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert list(response.context["page"].object_list) == []
    assert auditor_client.get(EXPORT, query).status_code == 400


def test_a_hand_typed_action_prefix_still_filters(auditor_client, coded_trail):
    response = auditor_client.get(LOG, {"action": " cadre"})
    assert {e.action for e in response.context["page"].object_list} == {"cadre.read", "cadre.list"}


def test_the_page_costs_the_same_queries_for_a_few_or_many_kinds_of_entry(
    auditor_client, world, django_assert_max_num_queries
):
    services.record("auth.login", object_type="user", object_id="a", object_repr="甲")
    with django_assert_max_num_queries(30) as few:
        auditor_client.get(LOG)
    position = world.cadres["GK11"].positions.unscoped("test: a post's id").first()
    events = []
    for i in range(20):
        events += [
            services.Event(
                action="cadre.read", object_type="cadre", object_id="GK11", object_repr="戊"
            ),
            services.Event(
                action="org.update", object_type="organization", object_id="K11", object_repr="县"
            ),
            services.Event(
                action="position.update",
                object_type="position",
                object_id=str(position.pk),
                object_repr="职",
            ),
            services.Event(
                action="import.upload",
                object_type="import_batch",
                object_id=str(i),
                object_repr="批",
            ),
            services.Event(
                action="user.create", object_type="user", object_id=f"u{i}", object_repr="人"
            ),
        ]
    services.record_many(events)
    with django_assert_max_num_queries(len(few.captured_queries)):
        auditor_client.get(LOG)


def test_staff_scope_decides_names_so_the_policy_is_the_scoping_layer_not_the_role(world, owner):
    # The same page code run for a commission member (who may see GK11) would show its name:
    # the auditor's blank comes from its scope, not from a special case for the auditor.
    from tanhua.audit import labels

    services.record("cadre.read", object_type="cadre", object_id="GK11", object_repr="甲县书记戊")
    [entry] = labels.labelled(AuditEntry.objects.all(), owner)
    assert entry.labels.name == "甲县书记戊"
    [entry] = labels.labelled(AuditEntry.objects.all(), world.users["auditor"])
    assert entry.labels.name == ""


def test_the_export_keeps_every_code_and_adds_its_chinese_name_beside(auditor_client, coded_trail):
    rows = _rows(auditor_client.get(EXPORT))
    header = rows[0]
    col = {name: i for i, name in enumerate(header)}
    assert header[:16][6] == "操作" and header[-4:] == (
        "操作名称",
        "角色名称",
        "对象类型名称",
        "结果代码",
    )
    body = {r[col["操作"]]: r for r in rows[1:]}
    upload = body["import.upload"]
    assert upload[col["操作名称"]] == "上传导入文件"
    assert upload[col["角色"]] == "commission"
    assert upload[col["角色名称"]] == "纪委监委工作人员"
    assert upload[col["对象类型"]] == "import_batch"
    assert upload[col["对象类型名称"]] == "导入批次"
    assert upload[col["结果"]] == "拒绝" and upload[col["结果代码"]] == "denied"
    # Names the page would not show are not in the auditor's export either.
    assert upload[col["对象名称"]] is None
    assert body["cadre.read"][col["对象名称"]] is None
    assert body["auth.login"][col["操作名称"]] == "登录"
