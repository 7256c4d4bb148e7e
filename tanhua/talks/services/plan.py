"""The plan of a campaign (DESIGN §4): talks by rule (必谈) and by hand (选择谈).

The default rule: the committee's party secretary talks with (a) every other current holder
of a post in the committee's organization (rule `team`) and (b) every current principal (the
secretary and the government head) of each directly subordinate organization (rule
`subordinate_principals`); a committee may switch on `subordinate_teams` (every post holder
of each direct child). Planning is idempotent: one talk per (campaign, subject, type); a
subject who moved since is re-planned in the new post while the talk is not yet held; a
subject who no longer qualifies is marked (left_on, left_note), never deleted.

Many campaigns are planned together with a handful of queries (positions, organizations,
existing talks for all of them at once, then bulk writes), so a province of 1,400
organizations plans in seconds."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tanhua.audit import services as audit
from tanhua.campaigns.models import Campaign, PlanRule, RuleKind
from tanhua.campaigns.services import check_may_plan
from tanhua.org.models import Cadre, Organization, Position
from tanhua.talks.models import HELD_OR_LATER, Basis, Talk, TalkType

MAX_REASON = 300
BATCH = 500


class PlanRefused(ValidationError):
    """A committee whose plan cannot be made (its secretary's post vacant, nobody named)."""


@dataclass
class PlanSummary:
    """What planning did to one campaign."""

    campaign: Campaign
    created: int = 0
    updated: int = 0
    marked: int = 0
    talker: Cadre | None = None
    refused: str = ""
    by_rule: dict = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.marked)

    def as_dict(self) -> dict:
        return {
            "campaign": self.campaign.pk,
            "committee": self.campaign.committee.code,
            "created": self.created,
            "updated": self.updated,
            "marked": self.marked,
            "talker": self.talker.code if self.talker else None,
            "refused": self.refused,
        }

    def line(self) -> str:
        """One line in Chinese, as the CLI prints it."""
        org = self.campaign.committee
        if self.refused:
            return _("%(org)s（%(code)s）：未生成计划——%(why)s") % {
                "org": org.name,
                "code": org.code,
                "why": self.refused,
            }
        return _(
            "%(org)s（%(code)s）：新增 %(c)s 人次，更新 %(u)s 人次，标记离任 %(m)s 人次"
            "（谈话人：%(talker)s）"
        ) % {
            "org": org.name,
            "code": org.code,
            "c": self.created,
            "u": self.updated,
            "m": self.marked,
            "talker": self.talker.name if self.talker else "—",
        }


def is_secretary_title(title: str) -> bool:
    """省委书记, 市委书记, 县委书记, 党委书记, 党组书记, 书记 — never a 副书记."""
    title = (title or "").strip()
    return title.endswith("书记") and "副书记" not in title


@dataclass(frozen=True)
class _Target:
    position_id: int
    org_id: int
    title: str
    rule: str


def _choose_secretary(posts: list[Position]) -> Position | None:
    """The current principal post whose title is the 书记 (longest-serving first, then pk)."""
    found = [p for p in posts if p.principal and is_secretary_title(p.title)]
    found.sort(key=lambda p: (p.start, p.pk))
    return found[0] if found else None


def _vacancy(org: Organization) -> str:
    return _("%(org)s书记职务空缺，且未指定代为谈话人：请在谈话工作中指定代为谈话人及事由") % {
        "org": org.name
    }


def plan_campaign(*, actor, campaign: Campaign, today: dt.date | None = None) -> PlanSummary:
    """Plan one campaign; a vacant secretary with nobody named is refused (PlanRefused)."""
    summary = plan_campaigns(actor=actor, campaigns=[campaign], today=today)[0]
    if summary.refused:
        raise PlanRefused(summary.refused, code="vacant")
    return summary


@transaction.atomic
def plan_campaigns(
    *, actor, campaigns: list[Campaign], today: dt.date | None = None
) -> list[PlanSummary]:
    """Plan every given campaign; a refused one (vacancy) is reported in its summary and the
    others are planned."""
    today = today or timezone.localdate()
    campaigns = list(campaigns)
    for c in campaigns:
        check_may_plan(actor, c.committee)
    if not campaigns:
        return []
    ids = [c.pk for c in campaigns]
    committee_ids = {c.committee_id for c in campaigns}

    rules: dict[int, set[str]] = defaultdict(set)
    for cid, kind in PlanRule.objects.filter(campaign_id__in=ids, active=True).values_list(
        "campaign_id", "kind"
    ):
        rules[cid].add(kind)

    children: dict[int, list[int]] = defaultdict(list)
    for pk, parent_id in (
        Organization.objects.filter(parent_id__in=committee_ids)
        .order_by("path")
        .values_list("pk", "parent_id")
    ):
        children[parent_id].append(pk)
    org_ids = committee_ids | {pk for kids in children.values() for pk in kids}

    posts_by_org: dict[int, list[Position]] = defaultdict(list)
    posts = (
        Position.objects.unscoped("planning reads the posts of the committees it plans")
        .current(today)
        .filter(organization_id__in=org_ids)
        .order_by("organization_id", "-principal", "start", "pk")
        .only("pk", "cadre_id", "organization_id", "title", "principal", "start")
    )
    for post in posts:
        posts_by_org[post.organization_id].append(post)

    existing: dict[int, dict[int, Talk]] = defaultdict(dict)
    talks = (
        Talk.objects.unscoped("planning compares the plan with the talks already planned")
        .filter(campaign_id__in=ids, type=TalkType.POLITICAL_SUPERVISION)
        .only(
            "pk",
            "campaign_id",
            "subject_id",
            "basis",
            "rule",
            "talker_id",
            "talker_reason",
            "subject_position_id",
            "subject_org_id",
            "subject_title",
            "status",
            "left_on",
            "left_note",
            "version",
        )
    )
    for talk in talks:
        existing[talk.campaign_id][talk.subject_id] = talk

    talker_ids = set()
    summaries, to_create, to_update = [], [], []
    for campaign in campaigns:
        summary = PlanSummary(campaign=campaign)
        summaries.append(summary)
        own = posts_by_org.get(campaign.committee_id, [])
        secretary = _choose_secretary(own)
        if secretary is not None:
            talker_id, talker_reason = secretary.cadre_id, ""
        elif campaign.substitute_talker_id:
            talker_id, talker_reason = campaign.substitute_talker_id, campaign.substitute_reason
        else:
            summary.refused = _vacancy(campaign.committee)
            continue
        talker_ids.add(talker_id)
        summary.talker = talker_id  # resolved to a Cadre below
        targets = _targets(
            rules[campaign.pk], campaign.committee_id, own, children, posts_by_org, talker_id
        )
        have = existing[campaign.pk]
        for subject_id, target in targets.items():
            talk = have.get(subject_id)
            if talk is None:
                to_create.append(
                    Talk(
                        campaign=campaign,
                        type=TalkType.POLITICAL_SUPERVISION,
                        basis=Basis.REQUIRED,
                        rule=target.rule,
                        talker_id=talker_id,
                        talker_reason=talker_reason,
                        subject_id=subject_id,
                        subject_position_id=target.position_id,
                        subject_org_id=target.org_id,
                        subject_title=target.title,
                    )
                )
                summary.created += 1
                summary.by_rule[target.rule] = summary.by_rule.get(target.rule, 0) + 1
            elif talk.status not in HELD_OR_LATER and _refresh(
                talk, target, talker_id, talker_reason
            ):
                to_update.append(talk)
                summary.updated += 1
        for subject_id, talk in have.items():
            if subject_id in targets or talk.basis != Basis.REQUIRED:
                continue
            if talk.left_on is None and talk.status not in HELD_OR_LATER:
                talk.left_on = today
                talk.left_note = _("已不在“%(title)s”职务，不再属于必谈范围") % {
                    "title": talk.subject_title or "—"
                }
                talk.version += 1
                to_update.append(talk)
                summary.marked += 1
    Talk.objects.bulk_create(to_create, batch_size=BATCH)
    if to_update:
        Talk.objects.unscoped("the plan's own rows, written back").bulk_update(
            to_update,
            [
                "talker",
                "talker_reason",
                "rule",
                "subject_position",
                "subject_org",
                "subject_title",
                "left_on",
                "left_note",
                "version",
            ],
            batch_size=BATCH,
        )
    cadres = Cadre.objects.unscoped("the talkers the plan names").in_bulk(talker_ids)
    events = []
    for s in summaries:
        if s.talker is not None:
            s.talker = cadres.get(s.talker)
        events.append(
            audit.Event(
                action="campaign.plan",
                object_type="campaign",
                object_id=str(s.campaign.pk),
                object_repr=s.campaign.name,
                actor=actor,
                result="ok" if not s.refused else "denied",
                detail={k: v for k, v in s.as_dict().items() if k != "campaign"},
            )
        )
    audit.record_many(events)
    return summaries


def _targets(
    kinds: set[str],
    committee_id: int,
    own: list[Position],
    children: dict[int, list[int]],
    posts_by_org: dict[int, list[Position]],
    talker_id: int,
) -> dict[int, _Target]:
    """subject cadre id → the post the plan finds them in, first rule first (a subject named
    by two rules is planned once, by the rule listed first)."""
    out: dict[int, _Target] = {}

    def add(post: Position, rule: str) -> None:
        if post.cadre_id != talker_id and post.cadre_id not in out:
            out[post.cadre_id] = _Target(post.pk, post.organization_id, post.title, rule)

    if RuleKind.TEAM in kinds:
        for post in own:
            add(post, RuleKind.TEAM)
    kids = children.get(committee_id, [])
    if RuleKind.SUBORDINATE_PRINCIPALS in kinds:
        for kid in kids:
            for post in posts_by_org.get(kid, []):
                if post.principal:
                    add(post, RuleKind.SUBORDINATE_PRINCIPALS)
    if RuleKind.SUBORDINATE_TEAMS in kinds:
        for kid in kids:
            for post in posts_by_org.get(kid, []):
                add(post, RuleKind.SUBORDINATE_TEAMS)
    return out


def _refresh(talk: Talk, target: _Target, talker_id: int, talker_reason: str) -> bool:
    """Bring a not-yet-held talk up to the subject's current post (and the current talker)."""
    changed = False
    if talk.basis == Basis.REQUIRED and talk.rule != target.rule:
        talk.rule, changed = target.rule, True
    new = (target.position_id, target.org_id, target.title)
    if (talk.subject_position_id, talk.subject_org_id, talk.subject_title) != new:
        talk.subject_position_id, talk.subject_org_id, talk.subject_title = new
        changed = True
    if (talk.talker_id, talk.talker_reason) != (talker_id, talker_reason):
        talk.talker_id, talk.talker_reason = talker_id, talker_reason
        changed = True
    if talk.left_on is not None:
        # Back in a post the rule names: planned again.
        talk.left_on, talk.left_note, changed = None, "", True
    if changed:
        talk.version += 1
    return changed


def talker_for(campaign: Campaign, today: dt.date | None = None) -> tuple[Cadre, str]:
    """(talker, reason): the committee's secretary, else the named substitute; refused when
    both are missing."""
    posts = list(
        Position.objects.unscoped("the committee's own posts, to find its secretary")
        .current(today or timezone.localdate())
        .filter(organization_id=campaign.committee_id)
        .select_related("cadre")
    )
    secretary = _choose_secretary(posts)
    if secretary is not None:
        return secretary.cadre, ""
    if campaign.substitute_talker_id:
        return campaign.substitute_talker, campaign.substitute_reason
    raise PlanRefused(_vacancy(campaign.committee), code="vacant")


@transaction.atomic
def add_chosen_talk(
    *,
    actor,
    campaign: Campaign,
    subject: Cadre,
    reason: str,
    type: str = TalkType.POLITICAL_SUPERVISION,
    today: dt.date | None = None,
) -> Talk:
    """选择谈: a talk added by hand, with its reason, with a cadre holding a current post in
    the committee's organization or below it."""
    check_may_plan(actor, campaign.committee)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("选择谈须说明事由"), code="reason")
    if len(reason) > MAX_REASON:
        raise ValidationError(_("事由不能超过 %(n)s 个字") % {"n": MAX_REASON}, code="reason")
    if type not in TalkType.values:
        raise ValidationError(_("谈话类型无效"), code="type")
    post = (
        Position.objects.unscoped("the subject's current post under the committee")
        .current(today or timezone.localdate())
        .filter(cadre=subject, organization__path__startswith=campaign.committee.path)
        .select_related("organization")
        .order_by("organization__path", "-principal", "start")
        .first()
    )
    if post is None:
        raise ValidationError(
            _("%(name)s 目前未在%(org)s或其下级任职，不能列入本次谈话")
            % {"name": subject.name, "org": campaign.committee.name},
            code="subject",
        )
    talks = Talk.objects.unscoped("one talk of a type per subject in a campaign")
    if talks.filter(campaign=campaign, subject=subject, type=type).exists():
        raise ValidationError(
            _("%(name)s 已在本次谈话计划中") % {"name": subject.name}, code="unique"
        )
    talker, talker_reason = talker_for(campaign, today)
    if talker.pk == subject.pk:
        raise ValidationError(_("谈话人不能与自己谈话"), code="subject")
    talk = Talk.objects.create(
        campaign=campaign,
        type=type,
        basis=Basis.CHOSEN,
        reason=reason,
        talker=talker,
        talker_reason=talker_reason,
        subject=subject,
        subject_position=post,
        subject_org=post.organization,
        subject_title=post.title,
    )
    audit.record(
        "talk.add_chosen",
        object_type="talk",
        object_id=str(talk.pk),
        object_repr=f"{campaign.name}：{subject.name}",
        actor=actor,
        after={
            "campaign": campaign.pk,
            "subject": subject.code,
            "type": type,
            "basis": Basis.CHOSEN,
            "reason": reason,
        },
    )
    return talk
