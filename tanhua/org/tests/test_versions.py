"""No lost updates between editors: every edit carries the version it was made from (issue 8)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tanhua.core.versioning import StaleEdit, parse_if_match
from tanhua.org import services
from tanhua.org.models import Cadre, Organization, Position


def fresh(model, **lookup):
    manager = model.objects
    return (manager.unscoped("test") if hasattr(manager, "unscoped") else manager).get(**lookup)


def test_a_new_record_starts_at_version_one_and_each_saved_change_adds_one(world, owner):
    cadre = world.cadres["GK11"]
    assert fresh(Cadre, pk=cadre.pk).version == 1
    services.update_cadre(actor=owner, cadre=cadre, gender="female", expected_version=1)
    assert fresh(Cadre, pk=cadre.pk).version == 2


def test_a_save_that_changes_nothing_keeps_the_version(world, owner):
    cadre = world.cadres["GK11"]
    services.update_cadre(actor=owner, cadre=cadre, name=cadre.name, expected_version=1)
    assert fresh(Cadre, pk=cadre.pk).version == 1


def test_a_stale_edit_is_refused_with_what_changed_meanwhile(world, owner, colleague):
    cadre = world.cadres["GK11"]
    services.update_cadre(actor=colleague, cadre=cadre, gender="female", expected_version=1)
    with pytest.raises(StaleEdit) as refused:
        services.update_cadre(actor=owner, cadre=cadre, name="改名", expected_version=1)
    message = refused.value.message
    assert "第 2 版" in message and "organization_c1" in message
    assert "性别" in message and "female" in message
    now = fresh(Cadre, pk=cadre.pk)
    # The newer change stands; the stale one was not applied.
    assert (now.name, now.gender, now.version) == (cadre.name, "female", 2)


def test_organizations_and_posts_are_versioned_the_same_way(world, owner, colleague):
    org = world.orgs["K11"]
    services.update_organization(actor=colleague, org=org, name="新名称", expected_version=1)
    with pytest.raises(StaleEdit):
        services.update_organization(actor=owner, org=org, name="另一名称", expected_version=1)
    assert fresh(Organization, pk=org.pk).name == "新名称"
    post = Position.objects.unscoped("test").filter(organization=org).first()
    services.update_position(
        actor=colleague, position=post, principal=not post.principal, expected_version=1
    )
    with pytest.raises(StaleEdit):
        services.update_position(actor=owner, position=post, end=None, expected_version=1)


def test_an_edit_without_a_version_is_the_callers_explicit_choice(world, owner):
    cadre = world.cadres["GK11"]
    services.update_cadre(actor=owner, cadre=cadre, gender="female")
    services.update_cadre(actor=owner, cadre=cadre, gender="male")
    assert fresh(Cadre, pk=cadre.pk).version == 3


@pytest.mark.parametrize(
    ("header", "version"),
    [('"3"', 3), ('W/"12"', 12), (' "1" ', 1), (None, None), ("", None)],
)
def test_if_match_names_a_version(header, version):
    assert parse_if_match(header) == version


@pytest.mark.parametrize("header", ["3", '"abc"', '"1", "2"', "*", '"' + "9" * 30 + '"'])
def test_a_malformed_if_match_is_refused(header):
    with pytest.raises(ValueError):
        parse_if_match(header)


@pytest.mark.django_db(transaction=True)
def test_two_editors_from_the_same_version_exactly_one_wins_and_nothing_of_it_is_lost():
    if connection.vendor != "postgresql":
        pytest.skip("the in-memory SQLite test database is shared-cache: no real concurrency")
    from tanhua.core.testing import build_world

    world = build_world()
    cadre = world.cadres["GK11"]
    editors = [
        (world.users["commission_c1"], {"name": "甲改名"}),
        (world.users["organization_c1"], {"gender": "female", "tier": "city"}),
    ]
    start = threading.Barrier(len(editors))
    outcomes: dict[int, str] = {}

    def edit(n, actor, changes) -> None:
        try:
            start.wait()
            services.update_cadre(actor=actor, cadre=cadre, expected_version=1, **changes)
            outcomes[n] = "saved"
        except StaleEdit:
            outcomes[n] = "stale"
        except BaseException as exc:  # reported below
            outcomes[n] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=edit, args=(n, *e)) for n, e in enumerate(editors)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes.values()) == ["saved", "stale"]
    now = fresh(Cadre, pk=cadre.pk)
    assert now.version == 2
    winner = next(n for n, outcome in outcomes.items() if outcome == "saved")
    # Every field of the winner's change is there; none of the loser's.
    assert all(getattr(now, k) == v for k, v in editors[winner][1].items())
    loser = editors[1 - winner][1]
    assert not any(getattr(now, k) == v != getattr(cadre, k) for k, v in loser.items())
