"""CSRF on every form, security headers, cookies."""

from __future__ import annotations

from admin.console_helpers import PASSWORD, csrf_token


def test_every_state_changing_route_refuses_a_post_without_csrf_token(app, console):
    it = console["it"]
    posts = [rule.rule for rule in app.url_map.iter_rules()
             if rule.rule.startswith("/admin") and "POST" in (rule.methods or ())]
    assert len(posts) >= 12
    for path in posts:
        path = path.replace("<int:key_id>", "1").replace("<int:user_id>", "1") \
                   .replace("<int:number>", "1").replace("<check_id>", "x")
        response = it.post(path, data={"note": "x"})
        assert response.status_code == 400, path
        assert b"This form has expired" in response.data


def test_sign_in_form_needs_its_csrf_token(client, make_user):
    email = make_user("it")
    response = client.post("/admin/signin", data={"email": email, "password": PASSWORD})
    assert response.status_code == 400
    response = client.post("/admin/signin", data={"email": email, "password": PASSWORD,
                                                  "csrf_token": csrf_token(client)})
    assert response.status_code == 302


def test_a_token_from_another_session_is_refused(app, console):
    stranger = app.test_client()
    token = csrf_token(stranger)
    response = console["it"].post("/admin/roster/remove", data={"csrf_token": token})
    assert response.status_code == 400


def test_console_pages_carry_security_headers(client):
    response = client.get("/admin/signin")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers   # plain HTTP: no HSTS


def test_hsts_and_secure_cookie_behind_tls(make_app, make_user):
    from admin.console_helpers import sign_in

    app = make_app(trust_proxy="1")
    from safesend.accounts.passwords import hash_password
    from safesend.store import users
    from safesend.store.db import transaction

    with transaction(app.extensions["safesend"].sessions) as session:
        users.create_user(session, "default", "tls@example.org", "it", "test",
                          password_hash=hash_password(PASSWORD))
    client = app.test_client()
    https = {"X-Forwarded-Proto": "https"}
    page = client.get("/admin/signin", headers=https)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    # Over HTTPS, Flask-WTF also wants a same-origin Referer (browsers send one).
    client.environ_base.update({"HTTP_X_FORWARDED_PROTO": "https",
                                "HTTP_REFERER": "https://localhost/admin/signin"})
    response = sign_in(client, "tls@example.org")
    cookie = response.headers["Set-Cookie"]
    assert "safesend_session=" in cookie and "Secure" in cookie and "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_session_cookie_is_httponly_without_tls(client, make_user):
    from admin.console_helpers import sign_in

    response = sign_in(client, make_user("auditor"))
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_api_routes_keep_working_without_csrf(client, auth):
    """CSRF is for the console's cookie sessions; bearer-token API calls are not affected."""
    from messages import check_request

    response = client.post("/api/v1/checks", headers=auth["client"], json=check_request(to=["a@b.org"]))
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response.headers
