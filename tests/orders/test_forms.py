"""orders/forms.py: the filter row menus, and the empty text boxes, render as Django renders
them, once per process."""

from __future__ import annotations

from django import forms

from orders.forms import BlankTextInput, FieldSelect, FilterRowForm, OperatorSelect


def row(f: str, op: str, index: int) -> FilterRowForm:
    return FilterRowForm(data={"f": f, "op": op, "v": "10"}, auto_id=f"id_row{index}_%s", row=index)


def test_filter_menus_render_as_django_does_and_only_once():
    form = row("number", "gt", 3)
    field_menu, op_menu = str(form["f"]), str(form["op"])
    assert 'id="id_row3_f"' in field_menu and 'aria-describedby="error-row-3"' in field_menu
    assert '<option value="number" selected data-default-op="eq">' in field_menu
    assert '<option value="gt" selected data-fields="number dateCreated lastUpdated' in op_menu
    # Exactly what Django's own Select renders for the same menu.
    widget = form.fields["f"].widget
    assert field_menu == forms.Select.render(widget, "f", "number", {"id": "id_row3_f"})
    assert field_menu in FieldSelect.rendered.values()
    assert op_menu in OperatorSelect.rendered.values()
    remembered = (len(FieldSelect.rendered), len(OperatorSelect.rendered))
    again = row("number", "gt", 3)
    assert (str(again["f"]), str(again["op"])) == (field_menu, op_menu)
    assert (len(FieldSelect.rendered), len(OperatorSelect.rendered)) == remembered
    # Another value or another row is its own menu.
    other = str(row("dateCreated", "", 3)["f"])
    assert '<option value="dateCreated" selected' in other and other != field_menu
    assert 'id="id_row4_f"' in str(row("number", "gt", 4)["f"])


def test_a_value_outside_the_menu_is_rendered_not_remembered():
    before = len(FieldSelect.rendered)
    form = row("<nope>", "", 9)
    html = str(form["f"])
    assert "nope" not in html and 'id="id_row9_f"' in html and "selected" not in html
    assert len(FieldSelect.rendered) == before


def test_an_empty_value_box_is_remembered_a_typed_one_is_not():
    blank = FilterRowForm(data={"f": "number", "op": "gt", "v": ""}, auto_id="id_row5_%s", row=5)
    html = str(blank["v"])
    widget = blank.fields["v"].widget
    attrs = {"id": "id_row5_v", "maxlength": "4000"}
    assert html == forms.TextInput.render(widget, "v", "", attrs)
    assert html in BlankTextInput.rendered.values()
    remembered = len(BlankTextInput.rendered)
    assert str(FilterRowForm(data={"v": ""}, auto_id="id_row5_%s", row=5)["v"]) == html
    typed = str(row("number", "gt", 5)["v"])
    assert 'value="10"' in typed and 'aria-describedby="error-row-5"' in typed
    assert typed not in BlankTextInput.rendered.values()
    assert len(BlankTextInput.rendered) == remembered
