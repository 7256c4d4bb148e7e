"""The measures carry their campaign's year and committee (tanhua.campaigns.copies), filled
from the campaign for the existing rows, and indexes that let the reports' grouped counts
read them alone (docs/benchmarks.md, issue 12)."""

import django.db.models.deletion
from django.db import migrations, models

M = "rectification_measure"
POSTGRES = f"""UPDATE {M} AS m SET year = c.year, committee_id = c.committee_id
    FROM campaigns_campaign AS c WHERE c.id = m.campaign_id"""
SQLITE = f"""UPDATE {M} SET
    year = (SELECT c.year FROM campaigns_campaign AS c WHERE c.id = {M}.campaign_id),
    committee_id = (SELECT c.committee_id FROM campaigns_campaign AS c
        WHERE c.id = {M}.campaign_id)"""


def fill(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # Immediate: no deferred foreign-key event may be pending when the columns are made
        # NOT NULL in this transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(POSTGRES)
    else:
        schema_editor.execute(SQLITE)


def _committee(null):
    return models.ForeignKey(
        db_index=False, editable=False, null=null, on_delete=django.db.models.deletion.PROTECT,
        related_name="+", to="org.organization",
    )  # fmt: skip


def _year(null):
    return models.PositiveSmallIntegerField(editable=False, null=null)


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0001_initial"),
        ("org", "0005_office"),
        ("rectification", "0001_initial"),
    ]

    operations = [
        migrations.AddField(model_name="measure", name="year", field=_year(True)),
        migrations.AddField(model_name="measure", name="committee", field=_committee(True)),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(model_name="measure", name="year", field=_year(False)),
        migrations.AlterField(model_name="measure", name="committee", field=_committee(False)),
        migrations.AddIndex(
            model_name="measure",
            index=models.Index(
                fields=["year", "committee", "subject_org", "status", "kind", "deadline"],
                name="measure_units",
            ),
        ),
        migrations.AddIndex(
            model_name="measure",
            index=models.Index(
                condition=models.Q(("target_value__isnull", False)),
                fields=["year", "committee", "target_unit", "target_value", "achieved_value"],
                name="measure_outcomes",
            ),
        ),
    ]
