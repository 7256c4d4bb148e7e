"""A sealed record never changes, whatever client connects: triggers refuse an UPDATE of a
sealed record, any new or changed problem of one, and a change of a hashed addendum. The
services refuse first, with a message; these guard against bugs and hand-made SQL.

Deleting is left to the services (nothing deletes a record; addenda PROTECT it) so that test
runners may still flush the tables."""

from django.db import migrations

MESSAGE = "sealed talk record is immutable (谈话记录已封存，不得修改)"
R, P, A = "talks_talkrecord", "talks_recordproblem", "talks_recordaddendum"

SQLITE_UP = [
    f"""CREATE TRIGGER IF NOT EXISTS {R}_sealed BEFORE UPDATE ON {R}
    WHEN OLD.sealed_at IS NOT NULL BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {P}_sealed_insert BEFORE INSERT ON {P}
    WHEN (SELECT sealed_at FROM {R} WHERE id = NEW.record_id) IS NOT NULL
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {P}_sealed_update BEFORE UPDATE ON {P}
    WHEN (SELECT sealed_at FROM {R} WHERE id = OLD.record_id) IS NOT NULL
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {A}_hashed BEFORE UPDATE ON {A}
    WHEN OLD.content_hash <> '' BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS {R}_sealed",
    f"DROP TRIGGER IF EXISTS {P}_sealed_insert",
    f"DROP TRIGGER IF EXISTS {P}_sealed_update",
    f"DROP TRIGGER IF EXISTS {A}_hashed",
]
# One function per table: PL/pgSQL resolves NEW's fields when it plans an expression, so a
# shared function naming another table's column fails even in a branch never taken.
POSTGRES_UP = [
    f"""CREATE OR REPLACE FUNCTION {R}_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.sealed_at IS NOT NULL THEN RAISE EXCEPTION '{MESSAGE}'; END IF;
        RETURN NEW;
    END
    $$""",
    f"""CREATE OR REPLACE FUNCTION {P}_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM {R} WHERE id = NEW.record_id AND sealed_at IS NOT NULL)
        THEN RAISE EXCEPTION '{MESSAGE}'; END IF;
        IF TG_OP = 'UPDATE' AND EXISTS (
            SELECT 1 FROM {R} WHERE id = OLD.record_id AND sealed_at IS NOT NULL
        ) THEN RAISE EXCEPTION '{MESSAGE}'; END IF;
        RETURN NEW;
    END
    $$""",
    f"""CREATE OR REPLACE FUNCTION {A}_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.content_hash <> '' THEN RAISE EXCEPTION '{MESSAGE}'; END IF;
        RETURN NEW;
    END
    $$""",
    f"DROP TRIGGER IF EXISTS {R}_sealed ON {R}",
    f"""CREATE TRIGGER {R}_sealed BEFORE UPDATE ON {R}
    FOR EACH ROW EXECUTE FUNCTION {R}_refuse()""",
    f"DROP TRIGGER IF EXISTS {P}_sealed ON {P}",
    f"""CREATE TRIGGER {P}_sealed BEFORE INSERT OR UPDATE ON {P}
    FOR EACH ROW EXECUTE FUNCTION {P}_refuse()""",
    f"DROP TRIGGER IF EXISTS {A}_hashed ON {A}",
    f"""CREATE TRIGGER {A}_hashed BEFORE UPDATE ON {A}
    FOR EACH ROW EXECUTE FUNCTION {A}_refuse()""",
]
POSTGRES_DOWN = [
    f"DROP TRIGGER IF EXISTS {R}_sealed ON {R}",
    f"DROP TRIGGER IF EXISTS {P}_sealed ON {P}",
    f"DROP TRIGGER IF EXISTS {A}_hashed ON {A}",
    f"DROP FUNCTION IF EXISTS {R}_refuse()",
    f"DROP FUNCTION IF EXISTS {P}_refuse()",
    f"DROP FUNCTION IF EXISTS {A}_refuse()",
]
SQL = {"sqlite": (SQLITE_UP, SQLITE_DOWN), "postgresql": (POSTGRES_UP, POSTGRES_DOWN)}


def _run(schema_editor, index):
    statements = SQL.get(schema_editor.connection.vendor)
    if statements is None:
        raise NotImplementedError(schema_editor.connection.vendor)
    for statement in statements[index]:
        schema_editor.execute(statement, params=None)


def install(apps, schema_editor):
    _run(schema_editor, 0)


def uninstall(apps, schema_editor):
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("talks", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
