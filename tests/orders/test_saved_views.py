"""Saved views of the orders list: personal or shared, shown as tabs, managed by owners."""

from __future__ import annotations

import re
import threading

import pytest
import requests

from orders.models import SavedView
from tests.conftest import client_for, make_user

LIST = "/orders/"


def test_save_the_current_view_and_see_it_as_a_tab(packer_client, packer, order_factory):
    order_factory(lines=1)
    response = packer_client.post(
        "/orders/views/",
        {"name": "Unpaid Smiths", "query": "view=unpaid&q=smith&page=3&sort=-dateCreated"},
    )
    view = SavedView.objects.get()
    assert (view.name, view.shared, view.created_by) == ("Unpaid Smiths", False, packer)
    # Paging is not part of a view; the order of parameters is stable.
    assert view.query == "q=smith&sort=-dateCreated&view=unpaid"
    assert response.status_code == 302 and response["Location"] == f"{LIST}?{view.query}"
    html = packer_client.get(f"{LIST}?{view.query}").content.decode()
    assert f'<a class="saved-view" href="?{view.query.replace("&", "&amp;")}"' in html
    assert 'aria-current="page">Unpaid Smiths</a>' in html
    assert "View “Unpaid Smiths” saved." in html


def test_personal_views_are_private_shared_ones_are_for_everyone(order_factory, db):
    alice, bob = make_user("packer", "alice"), make_user("viewer", "bob")
    SavedView.objects.create(name="Alice only", query="view=unpaid", created_by=alice)
    SavedView.objects.create(name="Team", query="view=archived", shared=True, created_by=alice)
    html = client_for(bob).get(LIST).content.decode()
    assert "Team" in html and "Alice only" not in html
    assert "shared by alice" in html


def test_owners_manage_shared_views_others_only_their_own(db):
    alice, bob, boss = make_user("packer", "alice"), make_user("packer", "bob"), make_user("owner")
    shared = SavedView.objects.create(name="Team", shared=True, created_by=alice)
    mine = SavedView.objects.create(name="Bob's", created_by=bob)
    bob_client = client_for(bob)
    bob_client.post(f"/orders/views/{shared.pk}/delete/")
    assert SavedView.objects.filter(pk=shared.pk).exists()
    bob_client.post(f"/orders/views/{mine.pk}/delete/")
    assert not SavedView.objects.filter(pk=mine.pk).exists()
    client_for(boss).post(f"/orders/views/{shared.pk}/delete/")
    assert not SavedView.objects.filter(pk=shared.pk).exists()


def test_someone_elses_personal_view_is_404(db):
    alice, bob = make_user("packer", "alice"), make_user("owner", "bob")
    private = SavedView.objects.create(name="Mine", created_by=alice)
    assert client_for(bob).post(f"/orders/views/{private.pk}/delete/").status_code == 404
    assert SavedView.objects.filter(pk=private.pk).exists()


def test_saving_again_overwrites_and_bad_input_changes_nothing(packer_client, packer):
    packer_client.post("/orders/views/", {"name": "Mine", "query": "view=unpaid"})
    packer_client.post("/orders/views/", {"name": "Mine", "query": "view=archived"})
    assert list(SavedView.objects.values_list("name", "query")) == [("Mine", "view=archived")]
    response = packer_client.post("/orders/views/", {"name": "", "query": "view=unpaid"})
    assert response.status_code == 302
    assert SavedView.objects.count() == 1
    assert "Give the view a name" in packer_client.get(response["Location"]).content.decode()


def test_a_shared_name_is_taken_once(db):
    alice, bob = make_user("packer", "alice"), make_user("packer", "bob")
    SavedView.objects.create(name="Team", shared=True, created_by=alice)
    client = client_for(bob)
    response = client.post("/orders/views/", {"name": "team", "shared": "on", "query": ""})
    assert (
        "A shared view named “team” exists already."
        in client.get(response["Location"]).content.decode()
    )
    assert SavedView.objects.count() == 1


def test_saved_views_need_login_and_post(client, viewer_client):
    assert client.post("/orders/views/", {"name": "x"}).status_code == 302
    assert viewer_client.get("/orders/views/").status_code == 405


def test_a_name_saved_twice_before_saves_were_serialised_saves_again(packer_client, packer):
    """Two rows of one name (what a double-clicked Save left behind): saving it again was a
    500 (update_or_create found two); it now keeps one, with the new query."""
    for query in ("view=unpaid", "view=all"):
        SavedView.objects.create(created_by=packer, name="Twice", query=query)
    response = packer_client.post("/orders/views/", {"name": "Twice", "query": "view=archived"})
    assert response.status_code == 302
    assert list(SavedView.objects.values_list("name", "query")) == [("Twice", "view=archived")]


@pytest.mark.django_db(transaction=True)
def test_a_double_clicked_save_keeps_one_view(live_server):
    """Six identical saves at once from one session (threads against the live server): every
    answer is the redirect back to the list, and the user has one view of that name."""
    packer = make_user("packer")
    session = requests.Session()
    page = session.get(f"{live_server.url}/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    login = session.post(
        f"{live_server.url}/accounts/login/",
        {"username": packer.username, "password": "pass-packer", "csrfmiddlewaretoken": token},
        headers={"Referer": live_server.url + "/"},
        allow_redirects=False,
    )
    assert login.status_code == 302
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def save() -> None:
        barrier.wait()
        response = session.post(
            f"{live_server.url}/orders/views/",
            {
                "name": "Double",
                "query": "view=unpaid",
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
            },
            headers={"Referer": live_server.url + "/orders/"},
            allow_redirects=False,
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=save) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * 6
    assert SavedView.objects.filter(created_by=packer, name="Double").count() == 1
