"""orders.links.QueryLinks writes what Django's {% querystring %} tag writes."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.template import Context, RequestContext, Template
from django.test import RequestFactory

from orders.links import QueryLinks

QUERIES = [
    "",
    "view=unpaid",
    "q=Zo%C3%AB+O%27Brien&view=all&sort=-number",
    "f=number&op=gt&v=10&f=paymentStatus&op=hasSome&v=PAID%2CPENDING&page=3&after=1200",
    "filter=%7B%22number%22%3A+%7B%22%24gt%22%3A+1%7D%7D&before=99&page=2",
    "page=7&page=8&sort=dateCreated&x=%26%3D%3F%23",
]
CHANGES = [
    {"view": "unfulfilled", "page": None, "after": None, "before": None},
    {"sort": "-lastUpdated", "page": None, "after": None, "before": None},
    {"page": 4, "before": 1234, "after": None},
    {"page": 4, "before": None, "after": None},
    {"page": 2, "after": 555, "before": None},
    {"v": ["a", None, "b & c"], "new": "é"},
    {"v": [None]},
]


def tag(query: str, changes: dict) -> str:
    names = list(changes)
    args = " ".join(f"{name}=c{i}" for i, name in enumerate(names))
    template = Template("{% querystring " + args + " as link %}{{ link }}")
    request = RequestFactory().get("/orders/?" + query)
    values = {f"c{i}": changes[name] for i, name in enumerate(names)}
    return template.render(RequestContext(request, values))


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("changes", CHANGES)
def test_the_same_link_as_the_tag(query, changes):
    links = QueryLinks(QueryDict(query))
    escaped = Template("{{ link }}").render(Context({"link": links(**changes)}))
    assert escaped == tag(query, changes)
