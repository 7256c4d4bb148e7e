"""Chinese full-text search (DESIGN §8): pre-segmented words in FTS5 / tsvector, two-character
words found, AND of terms, ranked, highlighted with the text escaped, and scoped — hidden rows
neither show nor count, on both databases."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tanhua.audit.models import AuditEntry
from tanhua.core.testing import add_scope_probes
from tanhua.evidence.testing import make_finding
from tanhua.search import index, query, segment
from tanhua.search.highlight import snippet
from tanhua.search.models import SearchDocument
from tanhua.search.testing import add_text_probes


@pytest.fixture
def probes(world):
    add_scope_probes(world)
    add_text_probes(world)
    return world


def codes(results) -> list[str]:
    return [h.title.split("（")[0] for h in results.hits]


def test_two_character_words_are_stored_as_words_of_their_own():
    tokens = segment.index_tokens("存在形式主义问题，违规违纪，落实一岗双责不到位")
    assert {"形式", "主义", "形式主义", "违规", "违纪"} <= set(tokens)
    # A pair jieba does not know as a word inside a longer one is still a token.
    assert "双责" in tokens


def test_query_terms_are_plain_words_whatever_the_input():
    assert segment.query_terms('违规 "礼金" OR NEAR(吃喝) * -招投标') == [
        "违规", "礼金", "OR", "NEAR", "吃喝", "招投标",
    ]  # fmt: skip
    assert segment.query_terms("“”（）*^-") == []
    assert segment.query_terms("ＡＢＣ１２") == ["ABC12"]


def test_a_two_character_word_finds_the_finding_that_holds_it_in_a_longer_word(probes):
    user = probes.users["commission_c1"]
    assert codes(query.search(user, "形式")) == ["FTXC1"]
    assert codes(query.search(user, "违规")) == ["FTXC1"]


def test_hidden_findings_neither_show_nor_count(probes):
    c1 = probes.users["commission_c1"]
    for word in ("礼金", "招投标", "吃喝", "机密干部庚"):
        results = query.search(c1, word)
        assert results.total == 0 and results.hits == [], word
    # The province's staff (机密 clearance, no 回避) see every probe.
    province = probes.users["commission_p"]
    results = query.search(province, "违规")
    assert results.total == 4
    assert sorted(codes(results)) == ["FTXC1", "FTXC2", "FTXDECL", "FTXSEC"]


def test_every_term_must_occur(probes):
    province = probes.users["commission_p"]
    assert codes(query.search(province, "违规 礼金")) == ["FTXSEC"]
    assert query.search(province, "礼金 吃喝").total == 0


def test_the_row_that_uses_the_words_more_ranks_first(world):
    org = world.orgs["C1"]
    make_finding(org, code="FRANK1", text="会议记录不全，档案管理混乱")
    make_finding(org, code="FRANK2", text="违规发放津贴；违规报销；违规接待，违规问题反复出现")
    make_finding(org, code="FRANK3", text="存在违规报销现象，另有其他问题若干需要整改落实到位")
    index.rebuild()
    assert codes(query.search(world.users["commission_c1"], "违规")) == ["FRANK2", "FRANK3"]


def test_results_are_paged_and_the_total_counts_only_visible_rows(probes):
    for i in range(23):
        make_finding(probes.orgs["K11"], code=f"FPAGE{i:02d}", text=f"第{i}起违规用车问题")
    index.rebuild()
    user = probes.users["commission_c1"]
    first = query.search(user, "违规", page=1)
    second = query.search(user, "违规", page=2)
    assert first.total == second.total == 24 and first.pages == 2
    assert len(first.hits) == 20 and len(second.hits) == 4
    assert not set(codes(first)) & set(codes(second))
    # A page past the last shows the last.
    assert codes(query.search(user, "违规", page=99)) == codes(second)


def test_snippets_escape_the_stored_text_and_mark_the_words():
    html = snippet('<script>alert("x")</script> 存在违规问题 & 其他', ["违规"])
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<mark>违规</mark>" in html and "&amp; 其他" in html


def test_a_long_text_is_cut_around_the_words(world):
    text = "无关内容。" * 60 + "发现违规收受礼金问题" + "其他情况。" * 60
    html = str(snippet(text, ["违规", "礼金"]))
    assert "<mark>违规</mark>" in html and "<mark>礼金</mark>" in html
    assert html.startswith("…") and html.endswith("…") and len(html) < 200


def test_the_index_follows_a_write_once_it_commits(world, django_capture_on_commit_callbacks):
    finding = make_finding(world.orgs["C1"], text="违规选人用人")
    with django_capture_on_commit_callbacks(execute=True):
        index.touch("finding", [finding.code], field_name="code")
        assert not SearchDocument.objects.filter(object_id=finding.pk).exists()
    assert codes(query.search(world.users["commission_c1"], "选人用人")) == [finding.code]


def test_a_rolled_back_write_leaves_the_index_as_it_was(world, django_capture_on_commit_callbacks):
    finding = make_finding(world.orgs["C1"], text="违规选人用人")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                index.touch("finding", [finding.pk])
                raise RuntimeError("refused")
        except RuntimeError:
            pass
    assert callbacks == [] and not SearchDocument.objects.exists()


def test_the_findings_import_indexes_what_it_wrote(owner, django_capture_on_commit_callbacks):
    from tanhua.exchange.services import import_tables

    row = {
        "code": "FIMP1", "org_code": "K11", "cadre_code": "", "source": "巡视巡察",
        "date": "2020-05-14", "severity": "3", "focus_area": "A4",
        "text": "县委书记插手工程招投标，为亲属企业承揽项目",
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        import_tables({"findings": [row]}, actor=owner)
    assert codes(query.search(owner, "招投标")) == ["FIMP1"]
    with django_capture_on_commit_callbacks(execute=True):
        import_tables({"findings": [{**row, "text": "违规发放津贴"}]}, actor=owner)
    assert query.search(owner, "招投标").total == 0
    assert codes(query.search(owner, "津贴")) == ["FIMP1"]


def test_reindex_rebuilds_the_index_and_drops_rows_that_are_gone(probes, capsys):
    SearchDocument.objects.create(source="finding", object_id=999999, body="违规", tokens="违规")
    SearchDocument.objects.filter(object_id__in=[]).delete()
    call_command("reindex")
    out = capsys.readouterr().out
    assert "问题（finding）：4 条" in out
    assert not SearchDocument.objects.filter(object_id=999999).exists()


def test_reindex_refuses_an_unknown_source():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="未知的类别"):
        call_command("reindex", "--source", "nothing")


def test_the_page_shows_ranked_highlighted_hits_and_audits_the_read(probes):
    client = Client()
    client.force_login(probes.users["commission_p"])
    response = client.get(reverse("search:text"), {"q": "礼金"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "FTXSEC" in body and "<mark>礼金</mark>" in body
    entry = AuditEntry.objects.filter(action__in=["cadre.read", "cadre.list"]).last()
    assert entry is not None
    assert "GSECRET" in {entry.object_id, *(entry.detail or {}).get("codes", [])}


def test_the_page_says_what_to_do_with_a_query_of_symbols_only(probes):
    client = Client()
    client.force_login(probes.users["commission_c1"])
    response = client.get(reverse("search:text"), {"q": '"*()-'})
    assert response.status_code == 200
    assert "标点和符号不参与搜索" in response.content.decode()


def test_the_api_answers_the_same_hits(probes):
    from tanhua.api.services import issue_token

    _token, plain = issue_token(actor=None, user=probes.users["commission_c1"], name="t")
    response = Client().get(
        "/api/v1/search", {"q": "违规"}, headers={"Authorization": f"Bearer {plain}"}
    )
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 1 and data["terms"] == ["违规"]
    assert data["items"][0]["source"] == "finding"
    assert "<mark>违规</mark>" in data["items"][0]["snippet"]


def test_records_are_searched_by_their_talker_and_not_past_scope(probes):
    from tanhua.talks.testing import add_talks

    world = add_talks(probes)
    from tanhua.evidence.models import Finding

    Finding.objects.unscoped("test").filter(code__startswith="FTX").delete()
    add_text_probes(world)
    talker = world.users["talker_c1"]
    results = query.search(talker, "形式主义")
    assert [h.source for h in results.hits] == ["talk_record"]
    assert "甲县书记戊" in results.hits[0].title
    # GSECRET's record (机密) and C2's are hidden from C1's commission staff.
    c1 = world.users["commission_c1"]
    assert query.search(c1, "礼金", source="talk_record").total == 0
    assert query.search(c1, "吃喝").total == 0
    assert query.search(c1, "违规", source="talk_record").total == 1


def test_a_word_typed_alone_finds_a_text_that_jieba_cut_differently(world):
    # In context jieba cuts 生态 / 环境保护; typed alone, 生态环境 is one word.
    text = "贯彻落实党中央关于生态环境保护的决策部署不坚决"
    assert "生态环境" not in segment.index_tokens(text)
    make_finding(world.orgs["C1"], code="FECO", text=text)
    make_finding(world.orgs["C1"], code="FNOT", text="生态修复滞后")
    index.rebuild()
    assert codes(query.search(world.users["commission_c1"], "生态环境")) == ["FECO"]
    assert "<mark>生态环境</mark>" in str(
        query.search(world.users["commission_c1"], "生态环境").hits[0].snippet
    )


@pytest.mark.django_db
def test_a_record_saved_by_the_recorder_is_found_by_its_problems(
    django_capture_on_commit_callbacks,
):
    from tanhua.talks.tests.helpers import held_record, talk_world

    world = talk_world()
    with django_capture_on_commit_callbacks(execute=True):
        held_record(world, world.talks["k11"], requirements="限期整改违规问题")
    talker = world.users["talker_c1"]
    # The problem pointed out (文山会海) and a section (违规) are both the record's text.
    for word in ("文山会海", "违规 整改"):
        results = query.search(talker, word, source="talk_record")
        assert [h.url for h in results.hits] == [f"/talks/{world.talks['k11'].pk}/"], word
    assert query.search(world.users["commission_c2"], "文山会海").total == 0
