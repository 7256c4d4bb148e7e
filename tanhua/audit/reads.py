"""The read audit by construction (DESIGN §2: every read of a record about a person is logged).

People-bearing querysets note on the request every person whose rows they fetched through
`visible_to(user)` (tanhua.core.scoped). After the view has produced its response — rendered
templates included — this middleware writes one entry naming everyone the response showed:
`cadre.read` when the URL names the one person shown, `cadre.list` otherwise. A view cannot
show a person it fetched through the scoping layer and skip the entry; no view records reads
itself.
"""

from __future__ import annotations

from tanhua.audit import services
from tanhua.core.scoped import Shown

# Enough to name every row of any page; an export of more records its own export entry.
MAX_NAMED = 2000
_QUERY_VALUE_CHARS = 200


def _query(request) -> dict:
    return {k: v[:_QUERY_VALUE_CHARS] for k, v in list(request.GET.items())[:20]}


def record_people_shown(request, shown: Shown) -> None:
    from tanhua.org.models import Cadre

    ids = sorted(shown.people)[:MAX_NAMED]
    # Those fetched as cadres are named already (Shown.names); the rest, e.g. people shown
    # only through their posts, are looked up.
    missing = [pk for pk in ids if pk not in shown.names]
    found = (
        Cadre.objects.unscoped("naming the people a response showed, for its read entry")
        .filter(pk__in=missing)
        .values_list("pk", "code", "name")
        if missing
        else []
    )
    names = {**{pk: shown.names[pk] for pk in ids if pk in shown.names}}
    names.update((pk, (code, name)) for pk, code, name in found)
    people = sorted(names.values())
    codes = [code for code, _name in people]
    match = getattr(request, "resolver_match", None)
    named = set(match.kwargs.values()) if match is not None else set()
    single = len(people) == 1 and codes[0] in named
    services.record(
        "cadre.read" if single else "cadre.list",
        object_type="cadre",
        object_id=codes[0] if single else "",
        object_repr=people[0][1] if single else "",
        actor=getattr(request, "user", None),
        detail={
            "path": request.path,
            **({"query": _query(request)} if request.GET else {}),
            "partial": bool(getattr(request, "htmx", False)),
            "count": len(shown.people),
            "codes": codes,
            # Rows other than the people themselves (posts, later talks …), by model.
            "rows": {
                model: sorted(pks, key=str)[:MAX_NAMED]
                for model, pks in sorted(shown.rows.items())
                if model != "cadre"
            },
        },
    )


class ReadAuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        shown = getattr(request, "_tanhua_shown", None)
        if shown and response.status_code < 400:
            record_people_shown(request, shown)
            shown.clear()
        return response
