"""The X-Request-ID a client sent, kept beside the server's own id (issue 6, item 8).

SQLite adds a NOT NULL column by rebuilding the table, which drops the append-only triggers
with the old table: they are installed again right after (a no-op on PostgreSQL)."""

import importlib

from django.db import migrations, models

_triggers = importlib.import_module("tanhua.audit.migrations.0002_append_only_triggers")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    # Both directions rebuild the table on SQLite: the triggers follow each rebuild.
    operations = [
        migrations.RunPython(migrations.RunPython.noop, _triggers.install, elidable=False),
        migrations.AddField(
            model_name="auditentry",
            name="client_request_id",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.RunPython(_triggers.install, migrations.RunPython.noop, elidable=False),
    ]
