"""The orders list page: filter rows, quick views, search, sort, paging, HTMX partials."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest

from orders.models import FulfillmentStatus, PaymentStatus

LIST = "/orders/"
HTMX = {"HX-Request": "true"}


def shown(response) -> list[int]:
    return [int(n) for n in re.findall(r'<a href="/orders/(\d+)/">#', response.content.decode())]


def url(*pairs: tuple[str, str]) -> str:
    return f"{LIST}?{urlencode(pairs)}"


@pytest.fixture
def three(order_factory):
    return [
        order_factory(
            first_name="Jane",
            last_name="Doe",
            payment_status=PaymentStatus.PAID,
            fulfillment_status=FulfillmentStatus.FULFILLED,
        ),
        order_factory(
            first_name="John",
            last_name="Smith",
            buyer_email="john@shop.test",
            fulfillment_status=FulfillmentStatus.PARTIALLY_FULFILLED,
        ),
        order_factory(first_name="Old", last_name="Box", archived=True),
    ]


def test_full_page_and_htmx_partial(owner_client, three):
    page = owner_client.get(LIST)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<form id="filter-form"' in html and "<html" in html
    assert 'hx-target="#results"' in html and 'hx-push-url="true"' in html
    assert shown(page) == sorted((o.number for o in three), reverse=True)
    partial = owner_client.get(LIST, headers=HTMX)
    body = partial.content.decode()
    assert body.lstrip().startswith('<div id="results"')
    assert 'filter-form"' not in body.split('form="filter-form"')[0]
    assert "<html" not in body
    assert shown(partial) == shown(page)
    assert "HX-Request" in partial["Vary"]


def test_history_restore_gets_the_full_page(owner_client, three):
    response = owner_client.get(LIST, headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert "<html" in response.content.decode()


def test_filter_rows_each_operator_family(owner_client, three):
    jane, john, old = three
    assert shown(owner_client.get(url(("f", "number"), ("op", "gt"), ("v", jane.number)))) == [
        old.number,
        john.number,
    ]
    response = owner_client.get(
        url(("f", "paymentStatus"), ("op", "hasSome"), ("v", "paid, pending"))
    )
    assert shown(response) == [jane.number]
    response = owner_client.get(
        url(("f", "billingInfo.address.fullName"), ("op", "startsWith"), ("v", "jo"))
    )
    assert shown(response) == [john.number]
    # Two rows AND; the $ prefix is accepted too.
    response = owner_client.get(
        url(("f", "archived"), ("op", "$eq"), ("v", "false"), ("f", "number"), ("op", "lte"))
        + f"&v={john.number}"
    )
    assert shown(response) == [john.number, jane.number]


def test_rows_without_value_filter_nothing(owner_client, three):
    response = owner_client.get(url(("f", "number"), ("op", "gt"), ("v", "")))
    assert len(shown(response)) == 3


def test_quick_views(owner_client, three):
    _, john, old = three
    assert shown(owner_client.get(url(("view", "unfulfilled")))) == [john.number]
    assert shown(owner_client.get(url(("view", "unpaid")))) == [john.number]
    assert shown(owner_client.get(url(("view", "archived")))) == [old.number]
    assert len(shown(owner_client.get(url(("view", "all"))))) == 3


def test_free_text_search(owner_client, three):
    jane, john, old = three
    assert shown(owner_client.get(url(("q", str(jane.number))))) == [jane.number]
    assert shown(owner_client.get(url(("q", f"#{old.number}")))) == [old.number]
    assert shown(owner_client.get(url(("q", "SMI")))) == [john.number]
    assert shown(owner_client.get(url(("q", "john@")))) == [john.number]


def test_advanced_json(owner_client, three):
    jane, _, old = three
    response = owner_client.get(
        url(("filter", json.dumps({"$or": [{"archived": True}, {"number": jane.number}]})))
    )
    assert shown(response) == [old.number, jane.number]


def test_sort_links_and_sorting(owner_client, three):
    numbers = sorted(o.number for o in three)
    response = owner_client.get(url(("sort", "number")))
    assert shown(response) == numbers
    html = response.content.decode()
    assert 'aria-sort="ascending"' in html
    assert "sort=-number" in html
    assert shown(owner_client.get(url(("sort", "-dateCreated")))) == numbers[::-1]


def test_url_round_trip(owner_client, three):
    """The URL is the state: the page renders the controls from it, and every link keeps it."""
    params = url(
        ("q", "o"),
        ("f", "number"),
        ("op", "gte"),
        ("v", "1"),
        ("filter", '{"archived": false}'),
        ("view", "all"),
        ("sort", "number"),
    )
    html = owner_client.get(params).content.decode()
    assert 'name="q" value="o"' in html
    assert '<option value="gte" selected' in html
    assert 'name="v" value="1"' in html
    assert "{&quot;archived&quot;: false}</textarea>" in html
    assert '<input type="hidden" name="sort" value="number" form="filter-form">' in html
    for link in re.findall(r'href="(\?[^"]+)"', html):
        assert "q=o" in link and "f=number" in link and "op=gte" in link


def test_errors_next_to_the_control(owner_client, three):
    response = owner_client.get(url(("f", "archived"), ("op", "gt"), ("v", "true")))
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'id="error-row-0" role="alert">Archived can be: is, is not\.<', html)
    assert shown(response) == []
    response = owner_client.get(url(("f", "number"), ("op", "eq"), ("v", "abc")))
    assert re.search(
        r'id="error-row-0" role="alert">Number needs a whole number, like 10012\.<',
        response.content.decode(),
    )
    response = owner_client.get(url(("filter", '{"colour": 1}')))
    assert re.search(r'id="error-filter" role="alert">Unknown field', response.content.decode())
    # Through HTMX the messages come as out-of-band swaps of the same slots.
    response = owner_client.get(url(("filter", "{oops")), headers=HTMX)
    body = response.content.decode()
    assert re.search(
        r'id="error-filter" role="alert" hx-swap-oob="true">filter is not valid JSON', body
    )
    assert response.status_code == 200


@pytest.mark.parametrize("query", ["view=nope", "sort=total", "page=0", "page=x", "after=x"])
def test_bad_parameters_are_messages_not_500(owner_client, three, query):
    response = owner_client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()


def test_paging_and_keyset_cursor(owner_client, order_factory):
    made = [order_factory(lines=1) for _ in range(55)]
    numbers = sorted((o.number for o in made), reverse=True)
    first = owner_client.get(LIST)
    assert shown(first) == numbers[:50]
    html = first.content.decode()
    assert "Page 1 of 2" in html
    next_link = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert f"after={numbers[49]}" in next_link and "page=2" in next_link
    second = owner_client.get(LIST + next_link)
    assert shown(second) == numbers[50:]
    assert 'rel="next"' not in second.content.decode()
    # Offset paging (no cursor) gives the same page; so does a date sort.
    assert shown(owner_client.get(url(("page", "2")))) == numbers[50:]
    assert shown(owner_client.get(url(("page", "2"), ("sort", "-dateCreated")))) == numbers[50:]
    # Going back with the `before` cursor from page 3 equivalents.
    back = owner_client.get(url(("page", "2"), ("before", str(numbers[50]))))
    assert shown(back) == numbers[:50]


def test_count_is_capped(owner_client, three, monkeypatch):
    monkeypatch.setattr("orders.filters.COUNT_CAP", 1)
    monkeypatch.setattr("orders.filters.PAGE_SIZE", 2)
    html = owner_client.get(LIST).content.decode()
    # Past the cap the page shows the planner's estimate, never less than it actually counted.
    shown = re.search(r"<span data-count>about ([\d,]+)</span>", html)
    assert shown and int(shown.group(1).replace(",", "")) >= 2


def test_count_is_exact_when_everything_fits_on_the_first_page(owner_client, three, monkeypatch):
    monkeypatch.setattr("orders.filters.COUNT_CAP", 1)
    html = owner_client.get(LIST).content.decode()
    assert "<span data-count>3</span>" in html


def test_rows_have_checkboxes_in_bulk_form(owner_client, three):
    html = owner_client.get(LIST).content.decode()
    bulk = html.split('<form id="bulk-form" method="post"')[1].split("</form>")[0]
    assert "data-select-all" in bulk
    for order in three:
        assert f'name="order" value="{order.id}"' in bulk


def test_operator_options_list_their_fields(owner_client, three):
    html = owner_client.get(LIST).content.decode()
    assert re.search(
        r'<option value="hasAll" data-fields="lineItems.productId lineItems.name">', html
    )
    assert re.search(
        r'<option value="contains" data-fields="lineItems.name billingInfo.address.fullName">',
        html,
    )
    assert re.search(r'<option value="during" data-fields="dateCreated lastUpdated">', html)


def test_permissions(client, nobody, viewer_client, packer_client, three):
    response = client.get(LIST)
    assert response.status_code == 302 and "/login" in response["Location"]
    client.force_login(nobody)
    assert client.get(LIST).status_code == 403
    assert viewer_client.get(LIST).status_code == 200
    assert packer_client.get(LIST).status_code == 200


@pytest.mark.parametrize("htmx", [False, True])
def test_query_count_fixed_whatever_the_page_size(
    owner_client, order_factory, django_assert_max_num_queries, htmx
):
    headers = HTMX if htmx else {}
    for _ in range(55):
        order_factory(lines=2)
    owner_client.get(LIST, headers=headers)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        owner_client.get(LIST, headers=headers)
    for _ in range(55):
        order_factory(lines=2)
    with django_assert_max_num_queries(len(few)):
        response = owner_client.get(
            LIST + "?f=lineItems.name&op=hasSome&v=Product 1", headers=headers
        )
    assert len(shown(response)) == 50
