"""Each post carries its holder's code (Position.cadre_code), filled here for the posts that
exist, and the (organization, cadre) index carries it too, so that a page of the cadres in
scope in code order is read from the post index (docs/benchmarks.md, issue 7)."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_cadre_codes(apps, schema_editor):
    Cadre = apps.get_model("org", "Cadre")
    Position = apps.get_model("org", "Position")
    code = Cadre.objects.filter(pk=OuterRef("cadre_id")).values("code")[:1]
    Position.objects.update(cadre_code=Subquery(code))


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0005_office"),
    ]

    operations = [
        migrations.AddField(
            model_name="position",
            name="cadre_code",
            field=models.CharField(default="", editable=False, max_length=32),
        ),
        migrations.RunPython(fill_cadre_codes, migrations.RunPython.noop, elidable=False),
        migrations.RemoveIndex(
            model_name="position",
            name="position_org_cadre",
        ),
        migrations.AddIndex(
            model_name="position",
            index=models.Index(
                fields=["organization", "cadre", "cadre_code"], name="position_org_cadre_code"
            ),
        ),
    ]
