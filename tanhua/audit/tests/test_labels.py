"""The audit trail in Chinese (issue 7): one registry of labels for actions, roles, results
and object types, and whose names the viewer may see."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tanhua.audit import labels, services
from tanhua.audit.models import AuditEntry, Result

TANHUA = Path(__file__).resolve().parents[2]
# Every string literal shaped like an action code (prefix.verb) in the code outside tests.
ACTION_SHAPE = re.compile(r"^[a-z_]+\.[a-z_]+$")
CALLS = {"record", "Event", "created", "event", "_audit_batch", "_save_and_audit"}


def _recorded_actions() -> set[str]:
    found = set()
    for path in TANHUA.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            values = []
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name in CALLS:
                    values = [*node.args, *(k.value for k in node.keywords if k.arg == "action")]
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "action" for t in node.targets
            ):
                values = [node.value]
            found |= {
                v.value
                for v in values
                if isinstance(v, ast.Constant)
                and isinstance(v.value, str)
                and ACTION_SHAPE.match(v.value)
            }
    return found


def test_every_action_the_apps_record_has_a_chinese_label():
    actions = _recorded_actions()
    # The scan finds the actions of every app that records one, not just a few.
    assert {"auth.login", "import.upload", "cadre.update", "user.role_grant"} <= actions
    missing = sorted(a for a in actions if a not in labels._ACTIONS)
    assert missing == []
    assert labels.action_label("export") == "导出"
    for action in actions:
        assert re.search(r"[\u4e00-\u9fff]", labels.action_label(action)), action


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("auth.login", "登录"),
        ("access.denied", "拒绝访问"),
        ("code.unavailable", "编码不可用"),
        ("cadre.read", "查阅干部"),
        ("cadre.list", "查阅干部列表"),
        ("import.upload", "上传导入文件"),
        # Not registered: by prefix and verb.
        ("cadre.delete", "删除干部"),
        ("position.list", "查阅职务列表"),
        ("org.merge", "组织：merge"),
        ("user", "用户"),
        ("frobnicate.now", "其他操作（frobnicate.now）"),
    ],
)
def test_an_action_reads_as_chinese_even_when_nobody_registered_it(code, label):
    assert labels.action_label(code) == label


def test_a_later_app_registers_its_actions_and_they_are_offered_in_the_filter():
    from tanhua.audit.forms import AuditFilterForm

    try:
        labels.register_prefix("talk", "谈话")
        labels.register_actions({"talk.hold": "举行谈话"}, common=True)
        assert labels.action_label("talk.hold") == "举行谈话"
        assert labels.action_label("talk.create") == "新增谈话"
        choices = AuditFilterForm().fields["action"].choices
        flat = {value: str(text) for _group, opts in choices[1:] for value, text in opts}
        assert flat["talk.hold"] == "举行谈话"
        assert flat["talk."] == "谈话（全部操作）"
    finally:
        labels._ACTIONS.pop("talk.hold")
        labels._COMMON.remove("talk.hold")
        labels._NOUNS.pop("talk")


def test_roles_results_and_object_types_are_named_in_chinese():
    assert labels.roles_label("commission,organization") == "纪委监委工作人员、组织部工作人员"
    assert labels.roles_label("") == ""
    assert labels.roles_label("retired_role") == "retired_role"
    assert [labels.result_label(r) for r in Result.values] == ["成功", "拒绝", "失败"]
    assert labels.object_type_label("import_batch") == "导入批次"
    assert labels.object_type_label("cadre") == "干部"
    assert labels.object_type_label("something_new") == "something_new"


def _entry(object_type, object_id, object_repr="名称", **kw):
    return services.record(
        "x.update", object_type=object_type, object_id=object_id, object_repr=object_repr, **kw
    )


def test_the_pure_auditor_sees_no_name_of_a_person_a_place_or_an_upload(world):
    position = world.cadres["GK11"].positions.unscoped("test: a post's id").first()
    business = [
        _entry("cadre", "GK11", "甲县书记戊"),
        _entry("organization", "K11", "东城甲县委"),
        _entry("position", str(position.pk), "东城甲县委 县委书记 甲县书记戊"),
        _entry("import_batch", "4", "#4 东城干部.xlsx"),
        _entry("new_kind", "1", "谁也没登记的类型"),
    ]
    system = [_entry("user", "commission_c1", "纪委张三"), _entry("url", "/org/", "")]
    shown = labels.revealed(AuditEntry.objects.all(), world.users["auditor"])
    assert shown == {system[0].seq}
    assert not {e.seq for e in business} & shown


def test_staff_see_the_names_of_what_their_own_scope_reaches_and_no_other(world, owner):
    inside = _entry("cadre", "GK11", "甲县书记戊")
    sibling = _entry("cadre", "GC2", "西城书记丁")
    own_org = _entry("organization", "K11", "东城甲县委")
    other_org = _entry("organization", "C2", "西城市委")
    shown = labels.revealed(AuditEntry.objects.all(), owner)
    assert inside.seq in shown and own_org.seq in shown
    assert sibling.seq not in shown and other_org.seq not in shown
