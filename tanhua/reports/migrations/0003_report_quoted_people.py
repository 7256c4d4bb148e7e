from django.db import migrations, models


def backfill(apps, schema_editor):
    """Reports written before they kept whom they quote: a year-end report names the 中管
    cadres of its figures' rows; a 专报 quotes the subjects of every sealed problem of its
    committee and year reading like one of its typical cases (more than it quoted, never
    fewer). Their 密级 floor is the 密级 they were written at."""
    Report = apps.get_model("reports", "Report")
    Cadre = apps.get_model("org", "Cadre")
    RecordProblem = apps.get_model("talks", "RecordProblem")
    for report in Report.objects.select_related("committee").iterator():
        figures = report.figures or {}
        ids: set[int] = set()
        if report.kind == "year_end":
            codes = [r.get("code") for r in figures.get("cadres") or [] if isinstance(r, dict)]
            ids.update(Cadre.objects.filter(code__in=[c for c in codes if c]).values_list("pk", flat=True))
        elif report.kind == "special":
            problems = RecordProblem.objects.filter(
                record__sealed_at__isnull=False,
                record__talk__campaign__year=report.year,
                record__talk__campaign__committee__path__startswith=report.committee.path,
            )
            for area, texts in (figures.get("cases") or {}).items():
                for text in texts or []:
                    for full, subject in problems.filter(
                        focus_area=area, text__contains=text
                    ).values_list("text", "record__talk__subject_id"):
                        if full.strip().rstrip("。；;") == text:
                            ids.add(subject)
        Report.quoted.through.objects.bulk_create(
            Report.quoted.through(report_id=report.pk, cadre_id=i) for i in sorted(ids)
        )
        report.quoted_classification = report.classification
        report.save(update_fields=["quoted_classification"])


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0005_office'),
        ('talks', '0005_outline_revision'),
        ('reports', '0002_report_template'),
    ]

    operations = [
        migrations.AddField(
            model_name='report',
            name='quoted',
            field=models.ManyToManyField(blank=True, related_name='+', to='org.cadre', verbose_name='引用的干部'),
        ),
        migrations.AddField(
            model_name='report',
            name='quoted_classification',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='引用记录的最高密级'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
