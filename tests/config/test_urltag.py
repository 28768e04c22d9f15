"""`{% url %}` (config/urltag.py, a template builtin) answers as Django's own tag, whatever the
script prefix, with or without arguments, and still fails loudly on an unknown name."""

from __future__ import annotations

import pytest
from django.template import engines
from django.urls import NoReverseMatch, reverse, set_script_prefix

from config.urltag import MemoURLNode


def render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def test_it_replaces_djangos_url_tag():
    template = engines["django"].from_string("{% url 'orders:list' %}")
    assert isinstance(template.template.nodelist[0], MemoURLNode)


def test_the_same_urls_as_reverse_with_and_without_arguments():
    assert render("{% url 'orders:list' %}") == reverse("orders:list")
    assert render("{% url 'orders:list' %}") == reverse("orders:list")
    assert render("{% url 'orders:detail' 1042 %}") == reverse("orders:detail", args=[1042])
    assert render("{% url name %}", name="orders:export") == reverse("orders:export")
    assert render("{% url 'orders:list' as link %}[{{ link }}]") == f"[{reverse('orders:list')}]"


def test_the_script_prefix_is_part_of_the_answer():
    try:
        set_script_prefix("/shop/")
        assert render("{% url 'orders:list' %}") == "/shop/orders/"
    finally:
        set_script_prefix("/")
    assert render("{% url 'orders:list' %}") == "/orders/"


def test_an_unknown_name_still_raises_or_gives_nothing_as_a_variable():
    with pytest.raises(NoReverseMatch):
        render("{% url 'orders:nowhere' %}")
    assert render("{% url 'orders:nowhere' as link %}[{{ link }}]") == "[]"
