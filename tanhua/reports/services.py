"""The one write path of reports: draft from the data, edit a section, issue, export (and,
from senders.py, register and revoke the keys whose annexes are accepted).

Each write is keyword-only, atomic, checks the actor, saves and records its audit entry in
the same transaction. `actor=None` is the operator's command line (sees everything)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tanhua.audit import services as audit
from tanhua.core import scoping
from tanhua.core.classification import Classification
from tanhua.core.versioning import check_fresh
from tanhua.files import storage
from tanhua.reports import annex, figures, gongwen, render, writing
from tanhua.reports.models import (
    REPORT_ROLES,
    Report,
    ReportKind,
    ReportSection,
    ReportStatus,
)

# The trusted senders' write path lives in senders.py (this file's size); the same names here.
from tanhua.reports.senders import register_sender, revoke_sender  # noqa: F401

TITLES = {
    ReportKind.SPECIAL: "关于{year}年度党内政治监督谈话工作情况的报告",
    ReportKind.YEAR_END: "关于{year}年度政治监督谈话中管干部整改进展情况的报告",
    ReportKind.LOOK_BACK: "关于{year}年度政治监督谈话整改回头看情况的报告",
}
HEADER_FIELDS = [
    "title", "organ", "doc_number", "signer", "classification", "copy_number", "cc", "printer",
]  # fmt: skip
HEADER_LABELS = {
    "title": "标题",
    "organ": "发文机关标志",
    "doc_number": "发文字号",
    "signer": "签发人",
    "classification": "密级",
    "copy_number": "份号",
    "cc": "抄送",
    "printer": "印发机关",
}
SECTION_LABELS = {"heading": "标题", "body": "正文"}
FORMATS = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "pdf": ("application/pdf", "pdf"),
    "annex_json": ("application/json", "annex.json"),
    "annex_xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    # The year-end report's ledger: one row per measure of each 中管 cadre.
    "ledger_xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ledger.xlsx",
    ),
}


def may_report(user, committee) -> bool:
    """Staff of the committee or above it (no office narrowing: see ReportQuerySet)."""
    if user is None:
        return True
    path = scoping.scope_path(user)
    return (
        scoping.has_any(user, REPORT_ROLES)
        and path is not None
        and scoping.office_paths(user) is None
        and committee.path.startswith(path)
    )


def compute(kind: str, committee, year: int, *, viewer=None, today=None) -> dict:
    if kind == ReportKind.SPECIAL:
        return figures.special(committee, year, viewer=viewer, today=today)
    if kind == ReportKind.YEAR_END:
        return figures.year_end(committee, year, viewer=viewer, today=today)
    return figures.look_back(committee, year)


def _organ(committee) -> str:
    return committee.name if committee.name.startswith("中共") else f"中共{committee.name}"


@transaction.atomic
def create_report(*, actor, kind: str, year: int, committee, today: dt.date | None = None):
    """A draft written from the year's data; its sections are then the staff's to edit."""
    if kind not in ReportKind.values:
        raise ValidationError(_("报告类别无效"), code="kind")
    if not 2000 <= int(year) <= 2100:
        raise ValidationError(_("年度应在 2000 至 2100 之间"), code="year")
    scoping.require(may_report(actor, committee))
    data = compute(kind, committee, year, viewer=actor, today=today)
    organ = _organ(committee)
    default = Report._meta.get_field("classification").default
    quoted_level = figures.quoted_classification(kind, committee, year, actor)
    report = Report.objects.create(
        kind=kind,
        year=year,
        committee=committee,
        title=TITLES[kind].format(year=year),
        organ=organ,
        printer=f"{organ}办公室",
        figures=data,
        created_by=actor,
        # As secret as the most secret record it quotes (the 版头 shows it; readers below
        # that clearance do not see the report).
        classification=max(default, quoted_level),
        quoted_classification=quoted_level,
    )
    sections = writing.SECTIONS[kind](committee, year, data)
    ReportSection.objects.bulk_create(
        [
            ReportSection(report=report, order=i, key=key, heading=heading, body=body)
            for i, (key, heading, body) in enumerate(sections)
        ]
    )
    # Whom the sections quote, written with them: the read entry and 回避 follow it.
    # (Through the link table: the cadres' own manager reads only in a scope.)
    Quoted = Report.quoted.through
    Quoted.objects.bulk_create(
        Quoted(report_id=report.pk, cadre_id=cadre_id)
        for cadre_id in sorted(figures.quoted_subjects(kind, committee, year, data, actor))
    )
    audit.record(
        "report.create",
        object_type="report",
        object_id=str(report.pk),
        object_repr=report.title,
        after={"kind": kind, "year": year, "committee": committee.code},
        actor=actor,
    )
    return report


def note_people_read(report: Report) -> None:
    """A report's text quotes cadres (a 专报's typical cases are their problems, a year-end
    report names 中管 cadres): reading it is a read of those people, added to the request's
    read entry (the text is not a model row the scoping layer notes by itself)."""
    from tanhua.core import request_context
    from tanhua.core.scoped import shown_on

    request = request_context.current_request()
    if request is None:
        return
    quoted = Report.quoted.through.objects.filter(report_id=report.pk)
    shown_on(request).people.update(quoted.values_list("cadre_id", flat=True))


def _locked(report: Report) -> Report:
    current = (
        Report.objects.unscoped("re-read under lock for an edit")
        .select_for_update()
        .select_related("committee")
        .get(pk=report.pk)
    )
    if current.is_issued:
        raise ValidationError(_("报告已印发，不能再修改"), code="issued")
    return current


def classification_range(actor, report: Report) -> tuple[int, int]:
    """The 密级 a report may be given by `actor`: from the highest 密级 its text quotes
    (never lower) to the actor's own clearance (higher would put it out of their reach;
    the operator's command line has no ceiling)."""
    floor = max(report.quoted_classification, min(Classification.values))
    ceiling = max(Classification.values) if actor is None else scoping.clearance(actor)
    return floor, ceiling


def _label(level: int) -> str:
    return str(Classification(level).label) if level in Classification.values else str(level)


def _classification(actor, report: Report, raw) -> int:
    try:
        level = int(raw)
    except (TypeError, ValueError):
        level = None
    if level not in Classification.values:
        choices = "、".join(str(label) for label in Classification.labels)
        raise ValidationError(
            _("密级“%(v)s”无效，请您从%(c)s中选择") % {"v": raw, "c": choices},
            code="classification",
        )
    floor, ceiling = classification_range(actor, report)
    if level < floor:
        raise ValidationError(
            _("报告引用了密级为“%(f)s”的谈话记录，密级不能低于“%(f)s”") % {"f": _label(floor)},
            code="classification",
        )
    if level > ceiling:
        raise ValidationError(
            _("密级不能高于您本人的涉密等级“%(c)s”，否则您将无法再查看此报告")
            % {"c": _label(ceiling)},
            code="classification",
        )
    return level


@transaction.atomic
def update_header(*, actor, report: Report, expected_version: int | None, **fields) -> Report:
    """版头 and 版记 of a draft: title, organ, 发文字号, 签发人, 密级 (between what its text
    quotes and the actor's clearance; the document's 密级 line follows it), 份号, 抄送,
    印发机关."""
    scoping.require(may_report(actor, report.committee))
    current = _locked(report)
    check_fresh(
        current, expected_version, object_type="report", object_id=str(current.pk),
        labels=HEADER_LABELS,
    )  # fmt: skip
    before = audit.snapshot(current, HEADER_FIELDS)
    for name, value in fields.items():
        if name not in HEADER_FIELDS:
            raise ValidationError(_("无法修改的字段"), code="field")
        if name == "classification":
            current.classification = _classification(actor, current, value)
            continue
        value = (value or "").strip()
        if name in ("title", "organ") and not value:
            raise ValidationError(_("“%(f)s”不能为空") % {"f": HEADER_LABELS[name]}, code=name)
        if name == "copy_number" and value and not (value.isdigit() and len(value) <= 6):
            raise ValidationError(_("份号应为不超过6位的数字"), code=name)
        setattr(current, name, value)
    after = audit.snapshot(current, HEADER_FIELDS)
    if after == before:
        return current
    current.save(update_fields=[*HEADER_FIELDS, "updated_at", *current.bump_version()])
    audit.record(
        "report.update", object_type="report", object_id=str(current.pk),
        object_repr=current.title, before=before, after=after, actor=actor,
    )  # fmt: skip
    return current


@transaction.atomic
def edit_section(
    *, actor, section: ReportSection, heading: str, body: str, expected_version: int | None
) -> ReportSection:
    """Save a staff member's text of a draft's section (a new version)."""
    report = section.report
    scoping.require(may_report(actor, report.committee))
    _locked(report)
    current = (
        ReportSection.objects.unscoped("re-read under lock for an edit")
        .select_for_update()
        .get(pk=section.pk)
    )
    check_fresh(
        current, expected_version, object_type="report_section", object_id=str(current.pk),
        labels=SECTION_LABELS,
    )  # fmt: skip
    heading, body = (heading or "").strip(), (body or "").strip()
    if len(heading) > 100:
        raise ValidationError(_("标题不能超过100个字"), code="heading")
    if len(body) > 20000:
        raise ValidationError(_("正文不能超过20000个字"), code="body")
    before = {"heading": current.heading, "body": current.body}
    after = {"heading": heading, "body": body}
    if before == after:
        return current
    current.heading, current.body, current.edited = heading, body, True
    current.save(update_fields=["heading", "body", "edited", *current.bump_version()])
    audit.record(
        "report_section.update", object_type="report_section", object_id=str(current.pk),
        object_repr=f"{report.title} {heading}", before=before, after=after, actor=actor,
    )  # fmt: skip
    return current


def _sections(report: Report) -> list[tuple[str, str]]:
    rows = ReportSection.objects.unscoped("the sections of a report already resolved").filter(
        report=report
    )
    return [(s.heading, s.body) for s in rows.order_by("order", "pk")]


def template_of(report) -> bytes | None:
    """The committee's own Word template for this kind of report, if it uploaded one."""
    from tanhua.reports.models import ReportTemplate

    row = (
        ReportTemplate.objects.filter(committee_id=report.committee.pk, kind=report.kind)
        .values_list("sha256", flat=True)
        .first()
    )
    if row is None:
        return None
    with storage.open_blob(row) as fh:
        return fh.read()


def document(report: Report, *, date: dt.date | None = None, chart: bool = True) -> bytes:
    """The report as Word: in the committee's own template where it has one, else in the
    GB/T 9704 layout this app builds."""
    day = date or (timezone.localdate(report.issued_at) if report.issued_at else None)
    custom = template_of(report) if isinstance(report, Report) else None
    if custom is not None:
        from tanhua.reports import templating

        date_text = writing.chinese_date(day) if day else ""
        # The sample render on upload cannot try every figure: a template failing on the
        # real ones is refused here, in words, like any bad input.
        try:
            return templating.render(
                custom, templating.context_of(report, _sections(report), date_text)
            )
        except templating.TemplateInvalid as exc:
            raise ValidationError(
                _("本单位的报告模板无法生成此报告：%(e)s") % {"e": exc}, code="template"
            ) from exc
    gw = writing.gongwen_of(
        report, _sections(report), date_text=writing.chinese_date(day) if day else "",
        chart=chart,
    )  # fmt: skip
    return gongwen.build(gw)


def annex_of(report: Report) -> dict:
    stamp = (report.issued_at or report.created_at or timezone.now()).isoformat()
    return annex.make(
        kind=report.kind, year=report.year, committee=report.committee,
        figures=report.figures, generated_at=stamp,
    )  # fmt: skip


@transaction.atomic
def issue_report(*, actor, report: Report, expected_version: int | None = None) -> Report:
    """Issue a draft: the Word file is built once and stored by its SHA-256 (never rebuilt:
    a download is that file plus a watermark in its headers), with the annex's hash."""
    scoping.require(may_report(actor, report.committee))
    current = _locked(report)
    check_fresh(
        current, expected_version, object_type="report", object_id=str(current.pk),
        labels=HEADER_LABELS,
    )  # fmt: skip
    current.issued_at = timezone.now()
    data = document(current, date=timezone.localdate(current.issued_at))
    current.file_sha256 = storage.store(data)
    current.annex_sha256 = annex_of(current)["sha256"]
    current.status = ReportStatus.ISSUED
    current.issued_by = actor
    current.save(
        update_fields=[
            "issued_at", "file_sha256", "annex_sha256", "status", "issued_by", "updated_at",
            *current.bump_version(),
        ]
    )  # fmt: skip
    audit.record(
        "report.issue", object_type="report", object_id=str(current.pk),
        object_repr=current.title,
        after={"file_sha256": current.file_sha256, "annex_sha256": current.annex_sha256},
        actor=actor,
    )  # fmt: skip
    return current


@transaction.atomic
def upload_template(*, actor, committee, kind: str, name: str, data: bytes):
    """A committee's own Word template for a kind of report (replacing the one before)."""
    from tanhua.reports import templating
    from tanhua.reports.models import ReportTemplate

    scoping.require(may_report(actor, committee))
    if kind not in ReportKind.values:
        raise ValidationError(_("报告类别无效"), code="kind")
    try:
        templating.check(name, data)
    except templating.TemplateInvalid as exc:
        raise ValidationError(f"{name}：{exc}", code="template") from exc
    sha = storage.store(data)
    row, _created = ReportTemplate.objects.update_or_create(
        committee=committee, kind=kind,
        defaults={"name": name[:200], "sha256": sha, "uploaded_by": actor},
    )  # fmt: skip
    audit.record(
        "report_template.upload", object_type="report_template", object_id=str(row.pk),
        object_repr=row.name, after={"kind": kind, "committee": committee.code, "sha256": sha},
        actor=actor,
    )  # fmt: skip
    return row


def issued_bytes(report: Report) -> bytes:
    with storage.open_blob(report.file_sha256) as fh:
        return fh.read()


@dataclass
class Export:
    data: bytes
    filename: str
    content_type: str


def watermark_text(actor, now=None) -> str:
    now = timezone.localtime(now or timezone.now())
    who = getattr(actor, "get_full_name", lambda: "")() or getattr(actor, "username", "")
    who = who or "命令行操作员"
    return f"{who} {now:%Y-%m-%d %H:%M} 导出"


@transaction.atomic
def export(*, actor, report: Report, fmt: str) -> Export:
    """A download of a report (the issued file, or the draft as it stands) or its annex,
    carrying the viewer's name and time, and audited."""
    if fmt not in FORMATS:
        raise ValidationError(_("不支持的导出格式"), code="fmt")
    scoping.require(may_report(actor, report.committee))
    # Every download carries the text or the rows the page shows: a read of whom they quote
    # (pages and API alike come through here).
    note_people_read(report)
    mark = watermark_text(actor)
    content_type, ext = FORMATS[fmt]
    if fmt in ("docx", "pdf"):
        base = issued_bytes(report) if report.is_issued else document(report)
        data = gongwen.add_watermark(base, mark)
        if fmt == "pdf":
            try:
                data = render.to_pdf(data)
            except (render.RenderUnavailable, OSError) as exc:
                raise ValidationError(
                    _("本机未安装 LibreOffice，无法生成 PDF，请下载 Word 版"), code="pdf"
                ) from exc
    elif fmt == "ledger_xlsx":
        if report.kind != ReportKind.YEAR_END:
            raise ValidationError(_("只有中管干部整改进展报告有整改台账"), code="fmt")
        data = ledger_workbook(report.figures, watermark=mark)
    elif fmt == "annex_json":
        # The JSON stays exactly what was hashed: the receiving side verifies it.
        data = annex.dumps(annex_of(report))
    else:
        data = annex.workbook(annex_of(report), watermark=mark)
    audit.record(
        "report.export", object_type="report", object_id=str(report.pk),
        object_repr=report.title, detail={"format": fmt, "watermark": mark}, actor=actor,
    )  # fmt: skip
    name = f"{report.year}-{report.kind}-{report.committee.code}.{ext}"
    return Export(data=data, filename=name, content_type=content_type)


# --- the operator's command line -----------------------------------------------------------

CLI_KINDS = {
    "special": ReportKind.SPECIAL,
    "year-end": ReportKind.YEAR_END,
    "look-back": ReportKind.LOOK_BACK,
}


class _Draft:
    """A report not kept in the database (the command line writes files only)."""

    def __init__(self, *, kind, year, committee, data):
        self.kind, self.year, self.committee, self.figures = kind, year, committee, data
        self.title = TITLES[kind].format(year=year)
        self.organ = _organ(committee)
        self.doc_number = self.signer = self.copy_number = self.cc = ""
        self.printer = f"{self.organ}办公室"
        self.classification = Classification.SECRET
        self.created_at = self.issued_at = timezone.now()


def ledger_workbook(data: dict, *, watermark: str = "") -> bytes:
    """The year-end report as a ledger: one row per measure of each 中管 cadre."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "中管干部整改进展"
    ws.append(["干部编号", "姓名", "所在组织", "问题", "整改举措", "时限", "状态"])
    for row in data["cadres"]:
        for item in row["items"]:
            ws.append(
                [
                    annex._cell(v)
                    for v in (
                        row["code"], row["name"], row["org"], item["problem"], item["measure"],
                        item["deadline"], writing.STATE_WORDS[item["state"]],
                    )
                ]
            )  # fmt: skip
    if watermark:
        ws.append([])
        ws.append(["导出", watermark])
    summary = wb.create_sheet("汇总")
    summary.append(["姓名", "问题", "举措", "已完成", "正在推进", "逾期"])
    for row in data["cadres"]:
        summary.append(
            [annex._cell(row["name"]), row["problems"], row["measures"], row["closed"],
             row["in_progress"], row["overdue"]]
        )  # fmt: skip
    import io

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def write_files(*, kind: str, year: int, committee, out: str, today=None) -> list[str]:
    """`tanhua report KIND YEAR --out FILE`: the document (.docx, or .pdf through
    LibreOffice), its annex beside it (FILE.annex.json and .annex.xlsx) and, for the
    year-end report, its ledger (.xlsx). Audited as an export by the operator."""
    from pathlib import Path

    data = compute(kind, committee, year, today=today)
    draft = _Draft(kind=kind, year=year, committee=committee, data=data)
    sections = [(h, b) for _k, h, b in writing.SECTIONS[kind](committee, year, data)]
    day = today or timezone.localdate()
    gw = writing.gongwen_of(draft, sections, date_text=writing.chinese_date(day))
    docx = gongwen.build(gw)
    target = Path(out)
    stem = target.with_suffix("")
    written = []
    if target.suffix.lower() == ".pdf":
        target.write_bytes(render.to_pdf(docx))
    elif target.suffix.lower() == ".xlsx" and kind == ReportKind.YEAR_END:
        target.write_bytes(ledger_workbook(data, watermark=watermark_text(None)))
    else:
        target = target if target.suffix.lower() == ".docx" else target.with_suffix(".docx")
        target.write_bytes(docx)
    written.append(str(target))
    if kind == ReportKind.YEAR_END and target.suffix.lower() != ".xlsx":
        ledger = stem.with_suffix(".xlsx")
        ledger.write_bytes(ledger_workbook(data, watermark=watermark_text(None)))
        written.append(str(ledger))
    the_annex = annex.make(
        kind=kind, year=year, committee=committee, figures=data,
        generated_at=timezone.now().isoformat(),
    )  # fmt: skip
    json_path = Path(f"{stem}.annex.json")
    json_path.write_bytes(annex.dumps(the_annex))
    xlsx_path = Path(f"{stem}.annex.xlsx")
    xlsx_path.write_bytes(annex.workbook(the_annex, watermark=watermark_text(None)))
    written += [str(json_path), str(xlsx_path)]
    audit.record(
        "report.export", object_type="report", object_id=f"{kind}-{year}-{committee.code}",
        object_repr=draft.title, detail={"files": written, "annex_sha256": the_annex["sha256"]},
        actor=None,
    )  # fmt: skip
    return written
