"""The log-in page says why it appeared when a page sent a signed-out person there."""

from __future__ import annotations

import pytest

REASON = "Your session ended; sign in again to continue."


@pytest.mark.django_db
def test_a_page_that_needs_a_session_sends_to_log_in_with_the_reason(client):
    response = client.get("/orders/?q=secret-word", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/?next=")
    html = response.content.decode()
    assert REASON in html
    assert "<title>Session ended · Log in · Packdesk</title>" in html
    # Nothing of the page asked for is shown, only carried back in the form.
    assert html.count("secret-word") == 1
    assert 'name="next" value="/orders/?q=secret-word"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["", "?next=", "?next=https://evil.example/", "?next=//evil.example/"]
)
def test_log_in_without_a_safe_next_says_nothing_about_a_session(client, query):
    html = client.get(f"/accounts/login/{query}").content.decode()
    assert REASON not in html
    assert "<title>Log in · Packdesk</title>" in html
    assert "evil.example" not in html


@pytest.mark.django_db
def test_a_wrong_password_keeps_the_reason_and_the_next_page(client, packer):
    response = client.post(
        "/accounts/login/", {"username": "packer", "password": "wrong", "next": "/pack/"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert REASON in html
    assert 'name="next" value="/pack/"' in html
    response = client.post(
        "/accounts/login/", {"username": "packer", "password": "pass-packer", "next": "/pack/"}
    )
    assert response["Location"] == "/pack/"
