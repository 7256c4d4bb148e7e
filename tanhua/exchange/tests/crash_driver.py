"""Run by test_crash.py in a subprocess: import files with `actor=None`, as `tanhua import`
does, but raise an exception once the kinds have written FAIL_AT rows (-1: never), in the
middle of a kind's insert or update when FAIL_AT falls inside one.

    python crash_driver.py FAIL_AT FILE…
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tanhua.settings")


class Injected(RuntimeError):
    pass


def main() -> int:
    import django

    django.setup()
    from tanhua.exchange import apply
    from tanhua.exchange.services import import_files
    from tanhua.org.imports import cadres, organizations, positions

    fail_at = int(sys.argv[1])
    written = [0]

    def counting(original):
        def write(model, fields, rows):
            room = fail_at - written[0]
            if fail_at >= 0 and len(rows) > room:
                # Write part of the rows first, so the failure lands mid-statement-batch.
                original(model, fields, rows[: max(room, 0)])
                raise Injected(f"injected failure after {fail_at} rows")
            original(model, fields, rows)
            written[0] += len(rows)

        return write

    for module in (apply, cadres, organizations, positions):
        for name in ("insert_rows", "update_rows"):
            if hasattr(module, name):
                setattr(module, name, counting(getattr(apply, name)))
    try:
        report = import_files(sys.argv[2:], actor=None)
    except Injected as exc:
        print(exc)
        return 3
    print("changed", report.changed, "written", written[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
