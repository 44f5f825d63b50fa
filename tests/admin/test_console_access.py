"""Who may open which console page: roles, API keys, signed-out visitors, tenants."""

from __future__ import annotations

import pytest
from admin.console_helpers import post_form

PAGES = ["/admin/", "/admin/log", "/admin/policy", "/admin/try", "/admin/roster", "/admin/audit",
         "/admin/access", "/admin/account", "/admin/log.csv", "/admin/policy/versions/1"]
# page -> roles that may open it
ALLOWED = {
    "/admin/": {"it", "admin", "auditor"},
    "/admin/log": {"admin", "auditor"},
    "/admin/log.csv": {"admin", "auditor"},
    "/admin/policy": {"it", "admin", "auditor"},
    "/admin/try": {"it", "admin"},
    "/admin/roster": {"it", "auditor"},
    "/admin/audit": {"it", "admin", "auditor"},
    "/admin/access": {"it", "auditor"},
}


@pytest.mark.parametrize("role", ["it", "admin", "auditor"])
def test_each_role_opens_its_pages_and_no_others(console, role):
    client = console[role]
    for path, roles in ALLOWED.items():
        status = client.get(path).status_code
        assert status == (200 if role in roles else 403), (role, path, status)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/admin/signin?next=")


@pytest.mark.parametrize("role", ["client", "it", "admin", "auditor"])
def test_api_keys_open_no_console_page(client, auth, role):
    """A client key (any key) never opens a page, whatever its role."""
    for path in PAGES:
        response = client.get(path, headers=auth[role])
        assert response.status_code == 403, path
        assert b"API keys work with the API only" in response.data


def test_api_key_is_refused_even_beside_a_valid_session(console, auth):
    response = console["it"].get("/admin/policy", headers=auth["client"])
    assert response.status_code == 403


def test_auditor_cannot_change_anything(console):
    auditor = console["auditor"]
    page = auditor.get("/admin/policy").get_data(as_text=True)
    assert "Read only for your role" in page and "disabled" in page
    for path in ("/admin/policy/preview", "/admin/policy/save", "/admin/roster/remove",
                 "/admin/access/keys", "/admin/access/users", "/admin/policy/versions/1/rollback"):
        assert post_form(auditor, path, {"role": "it"}).status_code == 403, path


def test_it_cannot_review_and_admin_cannot_write_policy(console):
    assert post_form(console["it"], "/admin/log/abc/review", {"note": "x"}).status_code == 403
    assert post_form(console["admin"], "/admin/policy/preview", {}).status_code == 403


def test_pages_show_only_the_tenant_of_the_signed_in_user(app, make_user, auth, make_key):
    """Tenant B's administrator sees none of tenant A's log, keys or users."""
    from admin.console_helpers import sign_in

    from messages import check_request, parents

    client_a = auth["client"]
    checked = app.test_client().post("/api/v1/checks", headers=client_a,
                                     json=check_request(to=parents(30)))
    check_id = checked.get_json()["check_id"]
    make_user("it", "it-a@a.example.org")
    other = app.test_client()
    assert sign_in(other, make_user("admin", "admin-b@b.example.org", tenant="tenant-b")).status_code == 302
    assert other.get(f"/admin/log/{check_id}").status_code == 404
    log = other.get("/admin/log").get_data(as_text=True)
    assert check_id not in log and "No warned or blocked messages yet" in log
    auditor_b = app.test_client()
    sign_in(auditor_b, make_user("auditor", "auditor-b@b.example.org", tenant="tenant-b"))
    access = auditor_b.get("/admin/access").get_data(as_text=True)
    assert "it-a@a.example.org" not in access and "demo" not in access
    assert "No keys yet" in access
