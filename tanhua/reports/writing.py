"""The words of a report, written from its figures: the sections a draft starts with, and
the 公文 (gongwen.Gongwen) an issued report becomes. Plain functions of plain data: the
same figures give the same text, in a test, on the web and at the command line."""

from __future__ import annotations

import io
import re

from tanhua.org.models import Level, Tier
from tanhua.reports import gongwen
from tanhua.reports.figures import LEVEL_WORDS
from tanhua.talks.models import FocusArea

CHINESE_NUMERALS = "一二三四五六七八九十"
# Focus areas in a few characters, for chart axes.
SHORT_AREAS = {
    "A1": "贯彻落实重大决策部署",
    "A2": "管党治党政治责任",
    "A3": "作风建设",
    "A4": "亲清政商关系",
}
STATE_WORDS = {"closed": "已完成", "in_progress": "正在推进", "overdue": "逾期未完成"}


def numeral(n: int) -> str:
    if n <= 10:
        return CHINESE_NUMERALS[n - 1]
    return "十" + CHINESE_NUMERALS[n - 11] if n < 20 else str(n)


def area_label(area: str) -> str:
    return str(FocusArea(area).label)


# --- the 专报 -------------------------------------------------------------------------------


def talks_sentence(committee, talks: dict) -> str:
    """ "共谈话4861人次，其中省委开展谈话70人次（中管干部21人次、省管干部49人次），省辖市党委
    开展谈话724人次，县（市、区）党委开展谈话4067人次" — held talks; the committee's own round
    by the subject's tier, the lower rounds by their level."""
    parts = [f"共谈话{talks['held']}人次"]
    own_level = committee.level
    tiers = [f"{Tier(t).label}干部{n}人次" for t, n in talks["own_held_by_tier"].items() if n]
    own = f"{LEVEL_WORDS.get(own_level, '本级党委')}开展谈话{talks['own_held']}人次"
    if tiers:
        own += "（" + "、".join(tiers) + "）"
    lower = []
    seen_own = False
    for lvl in (Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP):
        if lvl == own_level:
            seen_own = True
            continue
        n = talks["held_by_level"].get(lvl, 0)
        if seen_own and n:
            lower.append(f"{LEVEL_WORDS[lvl]}开展谈话{n}人次")
    return parts[0] + "，其中" + "，".join([own, *lower])


def special_sections(committee, year: int, figures: dict) -> list[tuple[str, str, str]]:
    """(key, heading, body) of a 专报's sections; lines starting （一） are lower headings."""
    talks, problems, rect = figures["talks"], figures["problems"], figures["rectification"]
    intro = (
        f"按照中央纪委国家监委、中央组织部关于开展党内政治监督谈话的部署要求，"
        f"{committee.name}扎实开展{year}年度政治监督谈话工作。现将有关情况报告如下。"
    )
    talk_text = (
        f"{talks_sentence(committee, talks)}。"
        f"谈话前，综合运用考核、选人用人、经济社会发展、日常监督、审查调查、巡视巡察等材料，"
        f"对谈话对象精准画像，逐人形成谈话提纲；谈话中，专人全程记录，一对一指出问题、"
        f"听取说明和建议。"
    )
    lines = [f"谈话共指出问题{problems['total']}个。"]
    for i, area in enumerate(FocusArea.values, 1):
        n = problems["by_area"].get(area, 0)
        cases = figures.get("cases", {}).get(area) or []
        line = f"（{numeral(i)}）{area_label(area)}方面。指出问题{n}个。"
        if cases:
            line += "典型问题如：" + "；".join(cases) + "。"
        lines.append(line)
    outcome = "；".join(
        f"完成{o['achieved']}{o['unit']}（目标{o['target']}{o['unit']}）" for o in rect["outcomes"]
    )
    rect_text = (
        f"谈话对象对照问题制定问题清单、举措清单、时限清单，共制定整改举措{rect['total']}项，"
        f"已完成销号{rect['closed']}项，正在推进{rect['open']}项（其中逾期{rect['overdue']}项），"
        f"需长期坚持{rect['long_term']}项。"
    )
    if outcome:
        rect_text += f"\n可量化整改成果：{outcome}。"
    next_text = (
        "（一）持续跟踪督办。对逾期未完成的整改举措逐项督办，确保问题整改闭环。\n"
        "（二）开展回头看。对已销号举措随机抽查，检验真改实改成效。\n"
        "（三）完善制度机制。总结谈话经验做法，推动政治监督谈话常态化、制度化。"
    )
    return [
        ("intro", "", intro),
        ("talks", "一、谈话开展情况", talk_text),
        ("problems", "二、发现的主要问题", "\n".join(lines)),
        ("rectification", "三、整改落实情况", rect_text),
        ("next", "四、下一步工作打算", next_text),
    ]


def year_end_sections(committee, year: int, figures: dict) -> list[tuple[str, str, str]]:
    t = figures["totals"]
    intro = (
        f"现将{committee.name}{year}年度政治监督谈话中管干部整改进展情况报告如下。"
        f"共涉及中管干部{len(figures['cadres'])}人，问题{t.get('problems', 0)}个，"
        f"整改举措{t.get('measures', 0)}项，已完成{t.get('closed', 0)}项，"
        f"正在推进{t.get('in_progress', 0)}项，逾期{t.get('overdue', 0)}项。"
    )
    lines = []
    for i, row in enumerate(figures["cadres"], 1):
        lines.append(
            f"（{numeral(i)}）{row['name']}同志（{row['org']}）。问题{row['problems']}个，"
            f"举措{row['measures']}项：已完成{row['closed']}项，正在推进{row['in_progress']}项，"
            f"逾期{row['overdue']}项。"
        )
    return [
        ("intro", "", intro),
        ("cadres", "一、整改进展情况", "\n".join(lines) or "本年度无中管干部整改事项。"),
        ("next", "二、下一步工作", "对逾期举措逐项督办，年底前再次报告整改进展。"),
    ]


def look_back_sections(committee, year: int, figures: dict) -> list[tuple[str, str, str]]:
    t = figures["totals"]
    method = "；".join(
        f"{lb['title']}：随机抽查{lb['sampled']}项（抽样数{lb['sample_size']}，随机种子"
        f"{lb['seed']}），全面复查{lb['whole_subjects']}项"
        for lb in figures["look_backs"]
    )
    return [
        ("intro", "", f"现将{committee.name}{year}年度政治监督谈话整改回头看情况报告如下。"),
        ("sample", "一、抽查范围和方法", (method or "本年度尚未开展回头看") + "。"),
        (
            "results",
            "二、复查结果",
            f"共复查{t['sampled'] + sum(lb['whole_subjects'] for lb in figures['look_backs'])}"
            f"项，通过{t['passed']}项，未通过{t['failed']}项，待复查{t['pending']}项；"
            f"重新打开整改举措{figures['reopened']}项。",
        ),
        ("next", "三、下一步工作", "对未通过复查的举措重新整改，限期销号。"),
    ]


SECTIONS = {
    "special": special_sections,
    "year_end": year_end_sections,
    "look_back": look_back_sections,
}

_LOWER = re.compile(r"^（[一二三四五六七八九十]+）")
_THIRD = re.compile(r"^\d+[.．]")


def body_blocks(sections: list[tuple[str, str]]) -> list[gongwen.Block]:
    """Blocks of the document from (heading, body) pairs: a line starting （一） opens a
    level-2 heading (楷体) and the rest of the line runs on as text, as 公文 do."""
    blocks = []
    for heading, body in sections:
        if heading:
            blocks.append(gongwen.Block("h1", heading))
        for line in body.splitlines():
            line = line.strip()
            if not line:
                continue
            m = _LOWER.match(line)
            if m:
                head, sep, rest = line.partition("。")
                blocks.append(gongwen.Block("h2", head + sep, tail=rest))
            else:
                blocks.append(gongwen.Block("p", line))
    return blocks


def focus_chart(by_area: dict) -> bytes | None:
    """A bar chart of problems by focus area (matplotlib with a Noto CJK face), as PNG; None
    where no CJK font is installed (a chart of boxes says nothing)."""
    from tanhua.reports.render import cjk_font_file

    font_file = cjk_font_file()
    if font_file is None:
        return None
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    font_manager.fontManager.addfont(font_file)
    prop = font_manager.FontProperties(fname=font_file)
    labels = [SHORT_AREAS[a] for a in FocusArea.values]
    values = [by_area.get(a, 0) for a in FocusArea.values]
    fig, ax = plt.subplots(figsize=(6, 2.6), dpi=150)
    bars = ax.barh(labels[::-1], values[::-1], color="#c0392b")
    ax.bar_label(bars, fontproperties=prop, fontsize=9)
    for label in ax.get_yticklabels():
        label.set_fontproperties(prop)
    ax.set_title("发现问题按重点方面分布（个）", fontproperties=prop, fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    plt.close(fig)
    return out.getvalue()


def gongwen_of(report, sections: list[tuple[str, str]], *, date_text: str, chart=True):
    """The 公文 of a report and its sections."""
    blocks = body_blocks(sections)
    if chart and report.kind == "special":
        png = focus_chart(report.figures.get("problems", {}).get("by_area", {}))
        if png:
            # After the problems section's first paragraph.
            at = next(
                (i + 2 for i, b in enumerate(blocks) if b.text == "二、发现的主要问题"),
                len(blocks),
            )
            blocks.insert(min(at, len(blocks)), gongwen.Block("image", image=png, width_mm=140))
    from tanhua.core.classification import Classification

    return gongwen.Gongwen(
        organ=report.organ,
        title=report.title,
        body=blocks,
        doc_number=report.doc_number,
        signer=report.signer,
        classification=(
            f"{Classification(report.classification).label}★1年"
            if report.classification > Classification.INTERNAL
            else ""
        ),
        copy_number=report.copy_number,
        signature=report.organ,
        date_text=date_text,
        cc=report.cc,
        printer=report.printer,
        print_date=f"{date_text}印发" if date_text else "",
    )


def chinese_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
