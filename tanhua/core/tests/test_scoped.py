"""People-bearing querysets refuse to be read past the scoping layer (issue 6)."""

from __future__ import annotations

import pytest
from django.db.models import Count

from tanhua.audit.models import AuditEntry
from tanhua.core.scoped import UnscopedRead, unscoped_block
from tanhua.org.models import Cadre, Position

EVALUATIONS = {
    "fetch": lambda qs: list(qs),
    "get": lambda qs: qs.get(code="GK11") if qs.model is Cadre else qs.get(pk=1),
    "first": lambda qs: qs.first(),
    "count": lambda qs: qs.count(),
    "exists": lambda qs: qs.exists(),
    "iterate": lambda qs: next(iter(qs.iterator()), None),
    "aggregate": lambda qs: qs.aggregate(n=Count("pk")),
    "values": lambda qs: list(qs.values_list("pk", flat=True)),
    "in_bulk": lambda qs: qs.in_bulk([1]),
    "update": lambda qs: qs.filter(pk=-1).update(created_at=None),
    "delete": lambda qs: qs.filter(pk=-1).delete(),
}


@pytest.mark.parametrize("model", [Cadre, Position], ids=lambda m: m.__name__)
@pytest.mark.parametrize("how", sorted(EVALUATIONS))
def test_an_unscoped_people_queryset_refuses_every_kind_of_evaluation(world, model, how):
    with pytest.raises(UnscopedRead):
        EVALUATIONS[how](model.objects.all())


def test_a_related_manager_is_unscoped_too(world):
    with pytest.raises(UnscopedRead):
        list(world.cadres["GK11"].positions.all())
    with pytest.raises(UnscopedRead):
        world.orgs["K11"].positions.count()


def test_visible_to_and_a_named_escape_may_be_read(world, owner):
    assert Cadre.objects.visible_to(owner).filter(code="GK11").count() == 1
    # The scope survives chaining.
    assert Position.objects.visible_to(owner).filter(cadre__code="GK11").order_by("pk").exists()
    assert Cadre.objects.unscoped("test of the escape").filter(code="GC2").exists()


def test_the_escape_needs_a_reason(world):
    with pytest.raises(ValueError):
        Cadre.objects.unscoped("")
    with pytest.raises(ValueError):
        Cadre.objects.unscoped("   ")


def test_an_empty_queryset_is_harmless_and_may_be_read(world):
    assert list(Cadre.objects.none()) == []


def test_model_validation_may_check_uniqueness_without_a_user(world):
    from django.core.exceptions import ValidationError

    duplicate = Cadre(code="GK11", name="重复", tier="county")
    with pytest.raises(ValidationError):
        duplicate.full_clean()


def test_an_unscoped_block_allows_framework_reads_only_inside_it(world):
    with unscoped_block("test"):
        assert Cadre.objects.filter(code="GK11").exists()
    with pytest.raises(UnscopedRead):
        Cadre.objects.filter(code="GK11").exists()


def test_fetching_people_through_visible_to_in_a_request_writes_one_read_entry(client, owner):
    from django.urls import reverse

    client.force_login(owner)
    assert client.get(reverse("org:organization_detail", kwargs={"code": "K11"})).status_code == 200
    entry = AuditEntry.objects.get(action__in=["cadre.read", "cadre.list"])
    assert "GK11" in entry.detail["codes"]
    assert entry.detail["rows"]["position"]
    assert entry.username == "commission_c1"


def test_reads_outside_a_request_write_no_entry(world, owner):
    list(Cadre.objects.visible_to(owner))
    assert not AuditEntry.objects.filter(action__startswith="cadre.").exists()
