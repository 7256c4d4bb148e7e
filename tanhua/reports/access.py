"""Access-matrix entries of this app's pages (merged into tanhua.core.access_matrix): reports
for staff of the committee's scope (not an office member: see ReportQuerySet), the
dashboard, the received annexes and the senders' keys for staff and leadership viewers;
uploading annexes and registering or revoking keys for staff only."""

from __future__ import annotations

from tanhua.accounts import roles as R
from tanhua.core.access_matrix import PLAIN, Access

STAFF = frozenset(R.PLAN_TALKS)
SEE = frozenset(R.SEE_CAMPAIGNS)


def _make(code: str):
    from tanhua.org.models import Organization
    from tanhua.reports.models import Report, ReportSection

    committee = Organization.objects.get(code=code)
    report = Report.objects.create(
        kind="special", year=2026, committee=committee, title=f"{committee.name}专报",
        organ=committee.name, classification=1,
    )  # fmt: skip
    section = ReportSection.objects.create(report=report, key="intro", heading="", body="导语")
    return report, section


def _report(code: str):
    return lambda world: {"pk": _make(code)[0].pk}


def _with_section(code: str):
    def build(world) -> dict:
        report, section = _make(code)
        return {"pk": report.pk, "section": section.pk}

    return build


def _download(code: str):
    def build(world) -> dict:
        return {**_report(code)(world), "fmt": "annex_json"}

    return build


# A well-formed Ed25519 public key (made once for these entries), so that what answers a
# registration is the view, not the key's refusal.
_PUBLIC_KEY = "qGCEtaAVLkFMTPyJT2e8uif2LHTlGkQhiKpDFKJO4sg="


def _sender(code: str):
    """A sender's key registered at `code`, not revoked."""

    def build(world) -> dict:
        import base64
        import hashlib

        from tanhua.org.models import Organization
        from tanhua.reports.models import TrustedSender

        row = TrustedSender.objects.create(
            committee_code="P31", committee_name="某省委",
            received_at_org=Organization.objects.get(code=code), public_key=_PUBLIC_KEY,
            key_id=hashlib.sha256(base64.b64decode(_PUBLIC_KEY)).hexdigest()[:16],
        )  # fmt: skip
        return {"pk": row.pk}

    return build


ENTRIES: dict = {
    "reports:list": Access(allowed=STAFF, lists=PLAIN),
    "reports:create": Access(
        allowed=STAFF, method="POST", ok=302, data={"kind": "special", "year": "2026"}
    ),
    # Without a file the form is refused and the page comes back (a redirect with the error).
    "reports:template": Access(allowed=STAFF, method="POST", ok=302, data={"kind": "special"}),
    "reports:detail": Access(allowed=STAFF, kwargs=_report("C1"), outside=_report("C2")),
    "reports:header": Access(
        allowed=STAFF,
        kwargs=_report("C1"),
        outside=_report("C2"),
        method="POST",
        ok=302,
        data={"title": "关于2026年度的报告", "organ": "中共东城市委"},
    ),
    "reports:section": Access(
        allowed=STAFF,
        kwargs=_with_section("C1"),
        outside=_with_section("C2"),
        method="POST",
        ok=302,
        data={"heading": "一、谈话开展情况", "body": "正文"},
    ),
    "reports:issue": Access(
        allowed=STAFF, kwargs=_report("C1"), outside=_report("C2"), method="POST", ok=302
    ),
    "reports:download": Access(allowed=STAFF, kwargs=_download("C1"), outside=_download("C2")),
    "reports:annexes": Access(allowed=SEE, lists=PLAIN),
    # Without a file the form is refused and the page comes back (a redirect with the error).
    "reports:annex_upload": Access(allowed=STAFF, method="POST", ok=302),
    "reports:senders": Access(allowed=SEE, lists=PLAIN),
    "reports:sender_register": Access(
        allowed=STAFF,
        method="POST",
        ok=302,
        data={"committee_code": "P31", "committee_name": "某省委", "public_key": _PUBLIC_KEY},
    ),
    "reports:sender_revoke": Access(
        allowed=STAFF, kwargs=_sender("C1"), outside=_sender("C2"), method="POST", ok=302
    ),
    "reports:dashboard": Access(allowed=SEE),
}


def _api_report(code: str):
    return lambda world: {"report_id": _make(code)[0].pk}


API_ENTRIES: dict = {
    "GET /api/v1/reports": Access(allowed=STAFF),
    "GET /api/v1/reports/{report_id}": Access(
        allowed=STAFF, kwargs=_api_report("C1"), outside=_api_report("C2")
    ),
    "GET /api/v1/reports/{report_id}/annex": Access(
        allowed=STAFF, kwargs=_api_report("C1"), outside=_api_report("C2")
    ),
}
