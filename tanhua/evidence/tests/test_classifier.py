"""The focus-area classifier: a labelled set of at least 400 findings balanced over A1–A4, at
least 90 % on the held-out split, proposals with a confidence, staff corrections used when
retraining, and `tanhua classify` per DESIGN §7."""

from __future__ import annotations

import collections
import time

import pytest
from django.core.management import call_command

from tanhua.audit.models import AuditEntry
from tanhua.evidence import classifier
from tanhua.evidence.services import correct_focus_area, retrain_classifier
from tanhua.evidence.testing import make_finding


def test_the_shipped_set_holds_400_distinct_findings_balanced_over_the_four_areas():
    rows = classifier.labelled_set()
    assert len(rows) >= 400
    assert len({t for t, _a in rows}) == len(rows)
    counts = collections.Counter(a for _t, a in rows)
    assert set(counts) == set(classifier.AREAS)
    assert max(counts.values()) - min(counts.values()) <= 5
    assert all(len(t) >= 8 for t, _a in rows)


def test_the_held_out_accuracy_is_at_least_90_percent_and_training_is_fast():
    started = time.monotonic()
    result = classifier.evaluate()
    assert time.monotonic() - started < 10
    assert result.accuracy >= 0.90
    assert result.test_size >= 100
    assert all(f["recall"] >= 0.8 and f["precision"] >= 0.8 for f in result.per_class.values())


def test_the_domain_dictionary_keeps_supervision_terms_whole():
    assert "一岗双责" in classifier.tokenize("班子成员落实一岗双责不到位")
    assert "吃拿卡要" in classifier.tokenize("审批中吃拿卡要")


@pytest.mark.parametrize(
    ("text", "area"),
    [
        ("落实长江十年禁渔决策部署不坚决，非法捕捞屡禁不止", "A1"),
        ("党委书记履行管党治党第一责任人职责不到位，民主生活会辣味不足", "A2"),
        ("文山会海反弹，基层迎检填表负担重，形式主义突出", "A3"),
        ("副县长插手工程招投标，收受企业老板礼金", "A4"),
    ],
)
def test_a_plain_case_of_each_area_is_proposed_with_a_confidence(db, text, area):
    (proposal,) = classifier.propose([text])
    assert proposal.focus_area == area
    assert 0.25 < proposal.confidence <= 1


def test_the_model_is_stored_under_tanhua_home_and_reused(db, settings):
    classifier.train()
    path = classifier.model_path()
    assert path.is_file() and str(path).startswith(str(settings.TANHUA_HOME))
    classifier._loaded.clear()
    assert classifier.propose(["公车私用"])[0].focus_area == "A3"


def test_retraining_uses_staff_corrections_and_is_audited(owner, world):
    text = "巡察组反映该局食堂账目混乱"
    f = make_finding(world.orgs["K11"], text=text)
    correct_focus_area(actor=owner, finding=f, focus_area="A3")
    assert classifier.corrections() == [(text, "A3")]
    result = retrain_classifier(actor=owner)
    assert result.corrections == 1 and result.accuracy >= 0.9
    entry = AuditEntry.objects.filter(action="classifier.retrain").get()
    assert entry.after["corrections"] == 1


def test_classify_prints_one_tab_separated_line_per_text_in_order(db, capsys):
    call_command("classify", "插手工程项目收受回扣", "三会一课制度执行不到位，党内政治生活不严肃")
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["A4", "A2"]
    assert all(0 < float(line.split("\t")[1]) <= 1 for line in lines)


def test_classify_reads_one_text_a_line_from_a_file(db, tmp_path, capsys):
    path = tmp_path / "texts.txt"
    path.write_bytes("秸秆禁烧不力，火点数量居前\n\n违规发放津补贴\n".encode("gb18030"))
    call_command("classify", "--file", str(path))
    lines = capsys.readouterr().out.split("\n")
    assert lines[0].startswith("A1\t") and lines[1] == "\t" and lines[2].startswith("A3\t")


def test_classify_retrain_prints_the_held_out_accuracy(db, capsys):
    call_command("classify", "--retrain")
    out = capsys.readouterr().out
    assert "留出集准确率：" in out and "模型已更新" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "请给出要分类的文字"),
        (["--file", "/nonexistent/x.txt"], "文件“/nonexistent/x.txt”不存在"),
        (["甲", "--file", "x.txt"], "请只给出要分类的文字或 --file 之一"),
        (["--retrain", "甲"], "--retrain 不能与要分类的文字或 --file 同时使用"),
    ],
)
def test_classify_refuses_bad_input_with_one_chinese_line(argv, message):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=message):
        call_command("classify", *argv)


def test_tanhua_lists_the_classify_verb():
    from tanhua.cli import VERBS, usage

    assert "classify" in VERBS and "重点方面" in usage()
