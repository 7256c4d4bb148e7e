"""The marker that the trail once had entries (issue 6, item 7): see AuditTrailStart.

A database that already holds entries gets its marker here, from its first entry."""

from django.db import migrations, models


def mark_existing_trail(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    AuditTrailStart = apps.get_model("audit", "AuditTrailStart")
    first = AuditEntry.objects.order_by("seq").values("at", "mac").first()
    if first is not None and not AuditTrailStart.objects.exists():
        AuditTrailStart.objects.create(id=1, started_at=first["at"], first_mac=first["mac"])


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0003_client_request_id'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditTrailStart',
            fields=[
                ('id', models.PositiveSmallIntegerField(default=1, editable=False, primary_key=True, serialize=False)),
                ('started_at', models.DateTimeField()),
                ('first_mac', models.CharField(max_length=64)),
            ],
            options={
                'verbose_name': '审计链起点',
                'verbose_name_plural': '审计链起点',
                'constraints': [models.CheckConstraint(condition=models.Q(('id', 1)), name='audit_trail_start_singleton')],
            },
        ),
        migrations.RunPython(mark_existing_trail, migrations.RunPython.noop, elidable=False),
    ]
