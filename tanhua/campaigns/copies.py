"""A row's copy of the two facts of its campaign that never change — its year and its
committee — carried on the talks, the problems pointed out and the measures so that the
reports' grouped counts over a committee's subtree and a year read one table and its index
(docs/benchmarks.md, issue 12) instead of joining every row through its campaign.

The models fill them themselves: on save() and in their querysets' bulk_create(), from the
campaign (the cached object, or one query for all the rows' campaigns). A campaign's year and
committee are never edited (campaigns.services); the committee's place in the tree may move,
which is why the copy is the committee's id and never its path."""

from __future__ import annotations


def fill(rows) -> None:
    """Set `year` and `committee_id` of the rows (model instances with a `campaign`) whose
    year is not set yet."""
    from tanhua.campaigns.models import Campaign

    todo = [r for r in rows if r.year is None]
    if not todo:
        return
    model = type(todo[0])
    cached = {}
    for r in todo:
        if model.campaign.is_cached(r) and r.campaign is not None:
            cached[r.campaign.pk] = (r.campaign.year, r.campaign.committee_id)
    missing = {r.campaign_id for r in todo} - cached.keys() - {None}
    if missing:
        cached.update(
            (pk, (year, committee_id))
            for pk, year, committee_id in Campaign.objects.unscoped(
                "the year and committee of rows being written"
            )
            .filter(pk__in=missing)
            .values_list("pk", "year", "committee_id")
        )
    for r in todo:
        if r.campaign_id in cached:
            r.year, r.committee_id = cached[r.campaign_id]


class FillsCopies:
    """Queryset mixin: bulk_create() fills the copies as save() does."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        self.model.fill_copies(objs)
        return super().bulk_create(objs, *args, **kwargs)
