"""The demo year taken through the talk cycle by its own people, through the same services
as the pages: in the province's round the commission drafts outlines, the talker approves
them, the staff schedule talks, the recorder writes, and the demo subject's talk is held,
confirmed by talker and subject with their (published demo) passwords and sealed. Other
talks stay at each earlier stage, so every demo login finds work waiting."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tanhua.accounts.models import User
from tanhua.campaigns.models import Campaign
from tanhua.demo.province import PROVINCE_CODE
from tanhua.talks.models import Talk
from tanhua.talks.services import outline, record, schedule, seal
from tanhua.talks.services.outline import ProblemDraft
from tanhua.talks.services.record import ProblemDraft as PointedOut

PROBLEMS = [
    (
        "A1",
        "贯彻落实省委关于生态环境保护的部署不够坚决，部分整改任务推进缓慢",
        "2025年度环境质量考核排名下降4位；巡视反馈问题整改完成率 68%",
    ),
    (
        "A2",
        "履行全面从严治党主体责任有温差，对班子成员“一岗双责”督促不够",
        "日常监督检查发现 3 个部门党组会议记录缺少党风廉政内容",
    ),
    (
        "A3",
        "形式主义问题仍然存在，文件会议多、调研浮于表面",
        "全年以市委、市政府名义发文同比增加 17%，督查检查考核事项未见压减",
    ),
    (
        "A4",
        "个别领导干部与企业老板交往过密，亲清政商关系边界不清",
        "信访举报反映 2 件，经初核均有一定事实依据",
    ),
]


def _user(name: str) -> User | None:
    return User.objects.filter(username=name, is_active=True).first()


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _draft(staff, talk: Talk, problems) -> None:
    outline.save_problems(
        actor=staff,
        talk=talk,
        problems=[ProblemDraft(focus_area=a, statement=s, evidence=e) for a, s, e in problems],
        expected_version=None,
    )


def walk_the_cycle(year: int, *, password: str | None = None) -> dict:
    """Returns how many talks were taken to each stage (for the loader's summary)."""
    from tanhua.demo.services import DEMO_PASSWORD

    password = password or DEMO_PASSWORD
    staff, talker_user = _user("demo_commission"), _user("demo_talker")
    recorder, subject_user = _user("demo_recorder"), _user("demo_subject")
    campaign = (
        Campaign.objects.unscoped("demo loader: the province's round")
        .filter(year=year, committee__code=PROVINCE_CODE)
        .first()
    )
    if None in (staff, talker_user, recorder, subject_user, campaign):
        return {}
    talks = list(
        Talk.objects.unscoped("demo loader: the province's talks")
        .filter(campaign=campaign, talker=talker_user.cadre)
        .select_related("campaign", "subject_org")
        .order_by("subject_org__path", "subject__code")
    )
    own = [t for t in talks if t.subject_id == subject_user.cadre_id]
    others = [t for t in talks if t.subject_id != subject_user.cadre_id]
    today = timezone.localdate()
    done = {"sealed": 0, "held": 0, "scheduled": 0, "submitted": 0, "drafted": 0}

    def approved(talk: Talk, problems, when: dt.datetime) -> None:
        _draft(staff, talk, problems)
        outline.submit(actor=staff, talk=talk, expected_version=None)
        outline.approve(actor=talker_user, talk=talk, expected_version=None)
        schedule.schedule_talk(
            actor=staff,
            talk=talk,
            start=when,
            duration=dt.timedelta(hours=1),
            place="省委第一会议室",
            recorder=recorder,
        )

    def written(talk: Talk) -> None:
        rec = record.start(actor=recorder, talk=talk)
        ops = outline.current_drafts(talk.outline)
        problems = [
            PointedOut(focus_area=p.focus_area, text=p.statement, outline_problem=p.id) for p in ops
        ]
        rec = record.save(
            actor=recorder,
            talk=talk,
            expected_version=rec.version,
            sections={
                "overall_evaluation": "一年来能够认真贯彻落实省委决策部署，工作思路清晰，"
                "班子团结，但在从严治党、作风建设方面仍有差距。",
                "explanation": "对指出的问题完全认同。生态整改滞后，主要是历史欠账多、"
                "个别项目资金未及时到位；发文增多与机构改革过渡有关，但根子在思想认识。",
                "suggestions": "建议省级层面统筹整合督查检查事项，为基层减负。",
                "requirements": "一是在民主生活会上深刻对照检查；二是立即制定问题、举措、"
                "时限三张清单；三是每季度报告整改进展。",
            },
            problems=problems,
            started_at=talk.scheduled_start,
            ended_at=talk.scheduled_end,
        )
        record.mark_held(actor=recorder, talk=talk, held_on=_local_day(talk.scheduled_start))

    # The demo subject's own talk: ten days ago, held, confirmed by both and sealed.
    for talk in own:
        approved(talk, PROBLEMS[:3], _at(today - dt.timedelta(days=10), 9))
        written(talk)
        for person in (talker_user, subject_user):
            rec = Talk.objects.unscoped("demo loader").get(pk=talk.pk).record
            seal.confirm(actor=person, talk=talk, password=password, expected_version=rec.version)
        done["sealed"] += 1
    stages = (
        # two held talks waiting for the confirmations,
        ("held", 2, lambda i: today - dt.timedelta(days=8 - i)),
        # three talks in the coming days,
        ("scheduled", 3, lambda i: today + dt.timedelta(days=2 + i)),
        # two outlines waiting for the talker's approval, two being drafted.
        ("submitted", 2, None),
        ("drafted", 2, None),
    )
    queue = iter(others)
    for stage, count, day in stages:
        for i in range(count):
            talk = next(queue, None)
            if talk is None:
                return done
            problems = [PROBLEMS[(i + k) % 4] for k in range(3)]
            if stage in ("held", "scheduled"):
                approved(talk, problems, _at(day(i), 9 + i % 3 * 2))
                if stage == "held":
                    written(talk)
            else:
                _draft(staff, talk, problems)
                if stage == "submitted":
                    outline.submit(actor=staff, talk=talk, expected_version=None)
            done[stage] += 1
    return done


def _local_day(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date()
