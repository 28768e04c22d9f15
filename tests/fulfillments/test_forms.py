"""The order page writes its blank per-line fields by hand (for speed); they must stay the same
as what the Django forms that process them would render."""

from __future__ import annotations

import re

from fulfillments.forms import LineFulfilForm, MultiFulfilForm


def squeeze(html: str) -> str:
    return re.sub(r">\s+<", "><", html)


def test_blank_line_fields_match_the_forms_widgets(packer_client, order_factory):
    order = order_factory(lines=[{"quantity": 3}, {"quantity": 1}])
    page = squeeze(packer_client.get(f"/orders/{order.number}/").text)
    form = LineFulfilForm(prefix="line-1", initial={"quantity": 3})
    for name in ("quantity", "carrier", "carrier_name", "tracking_link", "tracking_number"):
        assert squeeze(str(form[name])) in page, name
        assert f'<label for="{form[name].id_for_label}">{form[name].label}</label>' in page

    from fulfillments.selectors import order_page_queryset, order_rows

    rows, _ = order_rows(order_page_queryset().get(pk=order.pk))
    multi = MultiFulfilForm(prefix="multi", line_rows=rows)
    for index in (1, 2):
        assert squeeze(str(multi[f"pick_{index}"])) in page
        assert squeeze(str(multi[f"qty_{index}"])) in page
