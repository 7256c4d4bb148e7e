"""Received annexes keep only the figures the summary sums (annex.received_figures): the
typical cases (problem texts) stored by earlier imports are removed."""

from django.db import migrations

SUMMED = ("talks", "problems", "rectification")


def strip_quoted_texts(apps, schema_editor):
    ReceivedAnnex = apps.get_model("reports", "ReceivedAnnex")
    for row in ReceivedAnnex.objects.all().only("pk", "figures").iterator():
        kept = {k: v for k, v in (row.figures or {}).items() if k in SUMMED}
        if kept != row.figures:
            ReceivedAnnex.objects.filter(pk=row.pk).update(figures=kept)


class Migration(migrations.Migration):
    dependencies = [("reports", "0005_received_annex_per_office")]

    operations = [migrations.RunPython(strip_quoted_texts, migrations.RunPython.noop)]
