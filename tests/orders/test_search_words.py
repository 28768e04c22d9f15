"""The search for buyers, in the orders list and the admin: every typed word starts a word of
the buyer's names or email (before the "@"), whatever the case, accents and punctuation, and
the word index (migration 0016) answers it."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.db.models import Value

from orders.models import Order
from orders.search import BuyerWords, Matches, WordStarts, buyer_words_q, order_search_q

LIST = "/orders/"


def found(text: str) -> set[str]:
    """The buyer names a search finds. The cheap test that buyer_words_q puts before the words
    (likely_q) must never drop a match: the words alone find the same orders."""
    names = {order.buyer_name for order in Order.objects.filter(buyer_words_q(text))}
    words_only = Matches(BuyerWords(), WordStarts(Value(text)))
    assert names == {order.buyer_name for order in Order.objects.filter(words_only)}
    return names


@pytest.fixture
def buyers(order_factory):
    people = [
        ("John", "Smith", "jsmith@example.com"),
        ("Jane", "Smith", "jane.s@example.com"),
        ("John", "Doe", "doe@example.com"),
        ("Seán", "O'Brien", "sean@example.com"),
        ("Anne-Marie", "Smith-Jones", "am@example.com"),
        ("José", "Núñez", "jn@example.com"),
        ("Ada", "King", "ada.lovelace@analytical.example"),
        ("Zoe", "Adams", "zoe.adams99@example.com"),
    ]
    return {
        f"{first} {last}": order_factory(first_name=first, last_name=last, buyer_email=email)
        for first, last, email in people
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # One word: the start of a first or last name, any case.
        ("smi", {"John Smith", "Jane Smith", "Anne-Marie Smith-Jones"}),
        ("JOHN", {"John Smith", "John Doe"}),
        # Several words: each must start a word, in any order.
        ("john smi", {"John Smith"}),
        ("Smith, John", {"John Smith"}),
        ("smi  jo", {"John Smith", "Anne-Marie Smith-Jones"}),
        # A word's start, not any part of it (the rule before was "contains").
        ("mith", set()),
        ("ohn", set()),
        # Apostrophes join or split a name, so all of these find O'Brien.
        ("obrien", {"Seán O'Brien"}),
        ("o'brien", {"Seán O'Brien"}),
        ("O\N{RIGHT SINGLE QUOTATION MARK}Brien", {"Seán O'Brien"}),
        ("brien", {"Seán O'Brien"}),
        # Hyphens and other punctuation separate words.
        ("jones", {"Anne-Marie Smith-Jones"}),
        ("smith-jones", {"Anne-Marie Smith-Jones"}),
        ("anne marie", {"Anne-Marie Smith-Jones"}),
        # Accents do not matter either way.
        ("nunez", {"José Núñez"}),
        ("JOSÉ NÚÑ", {"José Núñez"}),
        ("sean", {"Seán O'Brien"}),
        ("Zoë", {"Zoe Adams"}),
        # The email's words before the "@", not its domain.
        ("lovelace", {"Ada King"}),
        ("jsmith", {"John Smith"}),
        ("adams99", {"Zoe Adams"}),
        ("analytical", set()),
        # Nothing to match.
        ("zebra", set()),
        ("john zebra", set()),
        ("--", set()),
    ],
)
def test_every_word_starts_a_word_of_the_buyer(buyers, text, expected):
    assert found(text) == expected


def test_the_buyers_own_name_counts_when_the_billing_name_is_empty(order_factory):
    order_factory(first_name="", last_name="", buyer_first_name="Grace", buyer_last_name="Hopper")
    assert found("grace hop") == {"Grace Hopper"}


def test_the_word_index_answers_the_search(buyers):
    """The filter is the index's own expression, so PostgreSQL can use the index (the table
    is tiny here, so sequential and plain index scans are switched off to ask whether it can:
    a bitmap scan needs a condition its index answers, so no other index can stand in)."""
    sql, params = (
        Order.objects.filter(buyer_words_q("john smi")).values("pk").query.sql_with_params()
    )
    with connection.cursor() as cursor:
        for scan in ("seqscan", "indexscan", "indexonlyscan"):
            cursor.execute(f"SET LOCAL enable_{scan} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "orders_order_search_words_idx" in plan


def test_the_list_says_which_word_starts_it_searched(owner_client, buyers):
    html = owner_client.get(f"{LIST}?{urlencode({'q': 'john smi'})}").content.decode()
    numbers = re.findall(r'<a href="/orders/(\d+)/">#', html)
    assert numbers == [str(buyers["John Smith"].number)]
    assert (
        "Searched buyer names and emails for words starting with “john” and with “smi” "
        "(no product name, SKU or tracking number matched)." in html
    )
    html = owner_client.get(f"{LIST}?{urlencode({'q': 'buyer:obri'})}").content.decode()
    assert "Searched buyer names and emails for a word starting with “obri”." in html
    assert re.findall(r'<a href="/orders/(\d+)/">#', html) == [str(buyers["Seán O'Brien"].number)]


def test_punctuation_alone_finds_nothing_and_breaks_nothing(owner_client, buyers):
    response = owner_client.get(LIST, {"q": "'-'"})
    assert response.status_code == 200
    assert "No orders match." in response.content.decode()


def test_buyer_prefix_alone_shows_every_order_and_says_what_to_type(owner_client, buyers):
    html = owner_client.get(LIST, {"q": "buyer:"}).content.decode()
    assert len(re.findall(r'<a href="/orders/(\d+)/">#', html)) == len(buyers)
    assert "Type a name or an email after “buyer:” to search buyers." in html


def test_admin_search_follows_the_same_rule(support_client, buyers):
    def admin(text: str) -> set[str]:
        response = support_client.get("/admin/orders/order/", {"q": text})
        return {order.buyer_name for order in response.context["cl"].result_list}

    assert admin("john smi") == {"John Smith"}
    assert admin("obrien") == {"Seán O'Brien"}
    assert admin("mith") == set()
    assert Order.objects.filter(order_search_q("nunez")).get() == buyers["José Núñez"]
