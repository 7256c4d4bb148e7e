"""Test helpers of the full-text search: rows whose words only hidden rows contain, for the
permission matrix and the scope tests."""

from __future__ import annotations

from tanhua.core.classification import Classification

# A word of each probe, and whose row holds it. The hidden rows' texts name their hidden
# cadre or organization, so that a snippet shown past scope is caught by the matrix, which
# looks for hidden names in every body.
PROBE_FINDINGS = {
    # code: (org, cadre, text)
    "FTXC1": ("C1", None, "巡察发现东城市委形式主义问题突出，违规发放津贴补贴"),
    "FTXSEC": ("K11", "GSECRET", "机密干部庚违规收受礼金，接受管理服务对象宴请"),
    "FTXDECL": ("K11", "GDECL", "回避干部壬违规插手工程招投标"),
    "FTXC2": ("C2", "GC2", "西城书记丁违规公款吃喝，西城市委落实八项规定不力"),
}
# Hidden talks' records (tanhua.talks.testing.add_talks) name their subjects likewise.
PROBE_RECORDS = {
    "k11": "指出甲县书记戊存在形式主义、官僚主义问题，要求整改违规问题",
    "secret": "机密干部庚对违规收受礼金问题作了说明",
    "c2": "西城副市长癸对违规公款吃喝问题作了说明",
}


def add_text_probes(world, *, records: bool = True) -> dict:
    """Findings (and, where the world has talks and `records`, their records) holding the
    probe words, indexed. Made once per transaction."""
    from tanhua.evidence.models import Finding
    from tanhua.evidence.testing import make_finding
    from tanhua.search import index

    if Finding.objects.unscoped("test world").filter(code="FTXC1").exists():
        return {}
    for code, (org, cadre, text) in PROBE_FINDINGS.items():
        make_finding(
            world.orgs[org],
            cadre=world.cadres.get(cadre) if cadre else None,
            code=code,
            text=text,
            classification=Classification.SECRET,
        )
    talks = getattr(world, "talks", None) or {}
    if talks and records:
        from tanhua.talks.models import TalkRecord

        for name, text in PROBE_RECORDS.items():
            if name in talks:
                TalkRecord.objects.unscoped("test world").get_or_create(
                    talk=talks[name], defaults={"overall_evaluation": text}
                )
    index.rebuild()
    return {}
