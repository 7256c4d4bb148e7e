"""Fixtures of the lists' tests (imported by each test module: the tracking half keeps its own):
build_world with its talks; the K11 talk sealed with two problems."""

import pytest


@pytest.fixture
def year(world):
    from tanhua.talks.testing import add_talks

    return add_talks(world)


@pytest.fixture
def sealed(year):
    from tanhua.rectification.testing_lists import seal_talk

    return seal_talk(year.talks["k11"])


@pytest.fixture
def users(world):
    return world.users
