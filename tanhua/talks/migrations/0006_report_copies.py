"""The talks carry their campaign's year and committee; the problems pointed out carry their
talk's campaign (with its year and committee) and type and their record's seal — so that the
year's counts of a subtree read one table and its index (tanhua.campaigns.copies,
docs/benchmarks.md, issue 12).

Existing rows are filled from their campaign, record and talk. The sealed-record guard (0002)
refuses any change of a sealed record's problems, so it is lifted for that one statement —
inside this migration's transaction on PostgreSQL — and installed again at the end: on
SQLite, making a column NOT NULL rebuilds the table, which drops its triggers."""

import importlib

import django.db.models.deletion
from django.db import migrations, models

T, P = "talks_talk", "talks_recordproblem"
POSTGRES = [
    f"""UPDATE {T} AS t SET year = c.year, committee_id = c.committee_id
    FROM campaigns_campaign AS c WHERE c.id = t.campaign_id""",
    f"""UPDATE {P} AS p SET campaign_id = t.campaign_id, year = t.year,
    committee_id = t.committee_id, talk_type = t.type, sealed = (r.sealed_at IS NOT NULL)
    FROM talks_talkrecord AS r JOIN {T} AS t ON t.id = r.talk_id WHERE r.id = p.record_id""",
]
_TALK = f"(SELECT t.%s FROM talks_talkrecord AS r JOIN {T} AS t ON t.id = r.talk_id WHERE r.id = {P}.record_id)"
SQLITE = [
    f"""UPDATE {T} SET
    year = (SELECT c.year FROM campaigns_campaign AS c WHERE c.id = {T}.campaign_id),
    committee_id = (SELECT c.committee_id FROM campaigns_campaign AS c
        WHERE c.id = {T}.campaign_id)""",
    f"""UPDATE {P} SET campaign_id = {_TALK % "campaign_id"}, year = {_TALK % "year"},
    committee_id = {_TALK % "committee_id"}, talk_type = {_TALK % "type"},
    sealed = (SELECT r.sealed_at IS NOT NULL FROM talks_talkrecord AS r
        WHERE r.id = {P}.record_id)""",
]
TYPES = [
    ("political_supervision", "政治监督谈话"),
    ("work", "工作性（沟通性）谈话"),
    ("admonition", "诫勉谈话"),
    ("integrity", "廉政谈话"),
    ("inquiry", "谈话函询"),
]


def fill(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # Immediate: no deferred foreign-key events may be pending when the trigger is
        # switched back on and the columns made NOT NULL in this transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(f"ALTER TABLE {P} DISABLE TRIGGER {P}_sealed")
        for statement in POSTGRES:
            schema_editor.execute(statement)
        schema_editor.execute(f"ALTER TABLE {P} ENABLE TRIGGER {P}_sealed")
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {P}_sealed_insert")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {P}_sealed_update")
        for statement in SQLITE:
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(vendor)


def reinstall_guard(apps, schema_editor):
    importlib.import_module("tanhua.talks.migrations.0002_sealed_record_guard").install(
        apps, schema_editor
    )


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
        ("talks", "0005_outline_revision"),
    ]

    operations = [
        migrations.AddField(model_name="talk", name="year", field=_year(True)),
        migrations.AddField(model_name="talk", name="committee", field=_committee(True)),
        migrations.AddField(
            model_name="recordproblem",
            name="campaign",
            field=models.ForeignKey(
                db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT,
                related_name="+", to="campaigns.campaign",
            ),  # fmt: skip
        ),
        migrations.AddField(model_name="recordproblem", name="year", field=_year(True)),
        migrations.AddField(model_name="recordproblem", name="committee", field=_committee(True)),
        migrations.AddField(
            model_name="recordproblem",
            name="talk_type",
            field=models.CharField(choices=TYPES, default="", max_length=32),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="recordproblem", name="sealed", field=models.BooleanField(default=False)
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(model_name="talk", name="year", field=_year(False)),
        migrations.AlterField(model_name="talk", name="committee", field=_committee(False)),
        migrations.AlterField(
            model_name="recordproblem",
            name="campaign",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                to="campaigns.campaign",
            ),  # fmt: skip
        ),
        migrations.AlterField(model_name="recordproblem", name="year", field=_year(False)),
        migrations.AlterField(
            model_name="recordproblem", name="committee", field=_committee(False)
        ),
        migrations.AddIndex(
            model_name="talk",
            index=models.Index(
                fields=["year", "type", "committee", "status", "left_on", "held_on"],
                name="talk_year_figures",
            ),
        ),
        migrations.AddIndex(
            model_name="recordproblem",
            index=models.Index(
                fields=["year", "sealed", "committee", "talk_type", "focus_area"],
                name="recordproblem_figures",
            ),
        ),
        migrations.RunPython(reinstall_guard, migrations.RunPython.noop, elidable=False),
    ]
