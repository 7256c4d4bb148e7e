"""List and detail endpoints cost the same number of queries however many rows there are."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tanhua.core.testing import CadreFactory, OrganizationFactory, PositionFactory
from tanhua.org.models import Level

ENDPOINTS = [
    "/api/v1/organizations",
    "/api/v1/organizations/C1",
    "/api/v1/organizations/C1/children",
    "/api/v1/cadres",
    "/api/v1/cadres/GC1",
    "/api/v1/positions",
    "/api/v1/positions?current=false",
]
# Token lookup, roles, count, page, and for people the audit append (lock, last, insert).
MAX_QUERIES = 10


def _grow(world, start: int, n: int) -> None:
    """Add n counties under C1, each with a secretary; the city secretary GC1 gains a
    concurrent post in each, so the detail endpoint has more rows to show too."""
    c1 = world.orgs["C1"]
    for i in range(start, start + n):
        county = OrganizationFactory(code=f"KX{i}", level=Level.COUNTY, parent=c1)
        cadre = CadreFactory(code=f"GX{i}")
        PositionFactory(cadre=cadre, organization=county, title="县委书记", principal=True)
        PositionFactory(cadre=world.cadres["GC1"], organization=county, title=f"兼任{i}")


def _count(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.client.get(path, headers=client.headers)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", ENDPOINTS)
def test_query_count_stays_flat_as_rows_grow(world, api, path, django_assert_max_num_queries):
    _count(api, path)  # the first call stamps the token's last use
    _grow(world, 0, 2)
    few = _count(api, path)
    assert few <= MAX_QUERIES
    _grow(world, 2, 30)
    with django_assert_max_num_queries(few):
        response = api.client.get(path, headers=api.headers)
    assert response.status_code == 200
