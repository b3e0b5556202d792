"""The number of queries of each authenticated read, pinned so it cannot creep back.

An API read with a bearer token costs: one query for the login session joined with its user,
then the endpoint's own reads. No read writes anything (the session's last use is recorded at
most once a minute). If a change adds a query here, make it a join or say why in the count.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

# endpoint -> queries with one stored generation (the list and detail must not grow per item)
READS = {
    "/api/user": 1,
    "/api/profile": 2,
    "/api/auth/sessions": 2,
    "/api/stats": 2,
    "/api/generations": 2,
}


@pytest.mark.parametrize(("path", "queries"), READS.items())
def test_each_api_read_costs_a_fixed_number_of_queries(
    auth_api_client, django_assert_num_queries, path, queries
):
    auth_api_client.get(path)  # first read of the process may fill caches; pin the steady state

    with django_assert_num_queries(queries):
        response = auth_api_client.get(path)

    assert response.status_code == 200


def test_the_generation_list_costs_the_same_for_one_job_as_for_three(
    auth_api_client, user, make_generation
):
    make_generation(owner=user)
    with CaptureQueriesContext(connection) as one:
        auth_api_client.get("/api/generations")
    make_generation(owner=user)
    make_generation(owner=user)
    with CaptureQueriesContext(connection) as three:
        response = auth_api_client.get("/api/generations")

    assert response.status_code == 200
    assert len(one) == len(three)


def test_a_generation_detail_costs_a_fixed_number_of_queries(
    auth_api_client, user, make_generation, django_assert_num_queries
):
    generation = make_generation(owner=user)
    auth_api_client.get(f"/api/generations/{generation.pk}")

    # session + job + its results + its journey frames (two prefetches, never one per item)
    with django_assert_num_queries(4):
        response = auth_api_client.get(f"/api/generations/{generation.pk}")

    assert response.status_code == 200


@pytest.mark.parametrize("path", [*READS, "/accounts/profile/"])
def test_a_plain_read_writes_nothing(auth_api_client, auth_client, path):
    client = auth_client if path.startswith("/accounts/") else auth_api_client
    client.get(path)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)

    assert response.status_code == 200
    writes = [
        query["sql"]
        for query in queries
        if query["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
