"""A `next=` that cannot be a Location is ignored, not a 500; and IT of one
tenant cannot learn whether an address has an account in another."""

from __future__ import annotations

import pytest
from admin.console_helpers import CSRF, PASSWORD, csrf_token, post_form

BAD_NEXT = ["/admin/\r\nSet-Cookie: x=1", "/admin/\n", "/admin/\x00", "/admin/\u2028"]


@pytest.mark.parametrize("target", BAD_NEXT)
def test_a_next_with_a_newline_falls_back_to_the_dashboard(app, make_user, target):
    email = make_user("it")
    client = app.test_client()
    response = client.post("/admin/signin", data={"email": email, "password": PASSWORD,
                                                  "next": target, "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/") and "\n" not in response.headers["Location"]
    again = client.get("/admin/signin", query_string={"next": target})   # already signed in
    assert again.status_code == 302 and again.headers["Location"].endswith("/admin/")


def _add(console, email):
    return post_form(console["it"], "/admin/access/users",
                     {"email": email, "role": "auditor", "name": ""}, page="/admin/access")


def test_it_cannot_tell_another_tenants_accounts_from_unknown_addresses(console, make_user):
    make_user("it", "jane@other.example.org", tenant="other")
    taken, unknown = _add(console, "jane@other.example.org"), _add(console, "nobody@other.example.org")
    assert taken.status_code == unknown.status_code == 400
    for response in (taken, unknown):
        page = response.get_data(as_text=True)
        assert "Add addresses of your district only (default.example.org)" in page
        assert "already has" not in page and "another organization" not in page
    # The whole answer is the same but for the address typed back into the form (and the CSRF
    # token, which carries the second it was signed in).
    def same_parts(page):
        return CSRF.sub('name="csrf_token" value=""', page)
    assert same_parts(taken.get_data(as_text=True).replace("jane@", "nobody@")) == \
        same_parts(unknown.get_data(as_text=True))


def test_it_still_adds_people_of_its_district_and_hears_about_its_own(console, make_user):
    assert _add(console, "new.person@default.example.org").status_code == 302
    again = _add(console, "new.person@default.example.org")
    assert again.status_code == 400 and "already has a SafeSend account" in again.get_data(as_text=True)


def test_a_shared_domain_does_not_reveal_the_other_tenants_user(console, make_user):
    """Two tenants on one domain (a misconfiguration): still no word about the other one."""
    make_user("it", "shared@default.example.org", tenant="other")
    response = _add(console, "shared@default.example.org")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "cannot be added here" in page
    assert "already has" not in page
