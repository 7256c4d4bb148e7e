"""The problems pointed out carry their talk's campaign and type and their record's seal, so
that the year's counts by focus area read one table (docs/benchmarks.md, issue 12).

Existing rows are filled from their record and talk. The sealed-record guard (0002) refuses
any change of a sealed record's problems, so it is lifted for that one statement — inside
this migration's transaction on PostgreSQL — and installed again at the end: on SQLite,
adding a column with a default rebuilds the table, which drops its triggers."""

import importlib

import django.db.models.deletion
from django.db import migrations, models

P = "talks_recordproblem"
FILL_POSTGRES = f"""UPDATE {P} AS p SET campaign_id = t.campaign_id, talk_type = t.type,
    sealed = (r.sealed_at IS NOT NULL)
    FROM talks_talkrecord AS r JOIN talks_talk AS t ON t.id = r.talk_id
    WHERE r.id = p.record_id"""
FILL_SQLITE = f"""UPDATE {P} SET
    campaign_id = (SELECT t.campaign_id FROM talks_talkrecord AS r
        JOIN talks_talk AS t ON t.id = r.talk_id WHERE r.id = {P}.record_id),
    talk_type = (SELECT t.type FROM talks_talkrecord AS r
        JOIN talks_talk AS t ON t.id = r.talk_id WHERE r.id = {P}.record_id),
    sealed = (SELECT r.sealed_at IS NOT NULL FROM talks_talkrecord AS r
        WHERE r.id = {P}.record_id)"""


def _guard():
    return importlib.import_module("tanhua.talks.migrations.0002_sealed_record_guard")


def fill(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # Immediate: no deferred foreign-key events may be pending when the trigger is
        # switched back on in this transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(f"ALTER TABLE {P} DISABLE TRIGGER {P}_sealed")
        schema_editor.execute(FILL_POSTGRES)
        schema_editor.execute(f"ALTER TABLE {P} ENABLE TRIGGER {P}_sealed")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {P}_sealed_insert")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {P}_sealed_update")
        schema_editor.execute(FILL_SQLITE)
    else:
        raise NotImplementedError(vendor)


def reinstall_guard(apps, schema_editor):
    _guard().install(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0001_initial"),
        ("talks", "0005_outline_revision"),
    ]

    operations = [
        migrations.AddField(
            model_name="recordproblem",
            name="campaign",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="campaigns.campaign",
            ),
        ),
        migrations.AddField(
            model_name="recordproblem",
            name="talk_type",
            field=models.CharField(
                choices=[
                    ("political_supervision", "政治监督谈话"),
                    ("work", "工作性（沟通性）谈话"),
                    ("admonition", "诫勉谈话"),
                    ("integrity", "廉政谈话"),
                    ("inquiry", "谈话函询"),
                ],
                default="",
                max_length=32,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="recordproblem",
            name="sealed",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="recordproblem",
            name="campaign",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="campaigns.campaign",
            ),
        ),
        migrations.AddIndex(
            model_name="recordproblem",
            index=models.Index(
                fields=["campaign", "talk_type", "sealed", "focus_area"],
                name="recordproblem_figures",
            ),
        ),
        migrations.RunPython(reinstall_guard, migrations.RunPython.noop, elidable=False),
    ]
