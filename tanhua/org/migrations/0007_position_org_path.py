"""Each post carries its organization's path (Position.org_path), filled here for the posts
that exist, with an index on it, so that the posts of a scope are one index range on both
engines (docs/benchmarks.md, issue 7, fourth pass)."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_org_paths(apps, schema_editor):
    Organization = apps.get_model("org", "Organization")
    Position = apps.get_model("org", "Position")
    path = Organization.objects.filter(pk=OuterRef("organization_id")).values("path")[:1]
    Position.objects.update(org_path=Subquery(path))


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0006_position_cadre_code"),
    ]

    operations = [
        migrations.AddField(
            model_name="position",
            name="org_path",
            field=models.CharField(default="", editable=False, max_length=1024),
        ),
        # Filled before the index is built: one pass over the table, not an index update a row.
        migrations.RunPython(fill_org_paths, migrations.RunPython.noop, elidable=False),
        migrations.AlterModelOptions(
            name="position",
            options={
                "ordering": ["org_path", "-principal", "title", "start"],
                "verbose_name": "职务",
                "verbose_name_plural": "职务",
            },
        ),
        migrations.AddIndex(
            model_name="position",
            index=models.Index(
                fields=["org_path", "cadre_code", "cadre", "organization", "start", "end"],
                name="position_path_holder",
                opclasses=[
                    "varchar_pattern_ops",
                    "varchar_ops",
                    "int8_ops",
                    "int8_ops",
                    "date_ops",
                    "date_ops",
                ],
            ),
        ),
    ]
