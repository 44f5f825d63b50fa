"""Local accounts: Argon2 passwords, rate-limited sign-in, sessions that end when they should."""

from __future__ import annotations

import pytest
from admin.console_helpers import PASSWORD, csrf_token, post_form, sign_in

from safesend.accounts.passwords import WeakPassword, check_strength, hash_password, verify_password
from safesend.store import users
from safesend.store.db import transaction


def test_passwords_are_argon2id_and_verified():
    hashed = hash_password("a long enough passphrase")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "a long enough passphrase")
    assert not verify_password(hashed, "a long enough passphrasE")
    assert not verify_password(None, "anything at all")
    with pytest.raises(WeakPassword):
        check_strength("short")


def test_sign_in_and_out(client, make_user):
    email = make_user("it")
    assert sign_in(client, email, "wrong password!!").status_code == 401
    response = sign_in(client, email)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    post_form(client, "/admin/signout")
    assert client.get("/admin/").status_code == 302


def test_a_copied_cookie_stops_working_after_sign_out(app, make_user):
    client = app.test_client()
    sign_in(client, make_user("admin"))
    stolen = app.test_client()
    stolen.set_cookie("safesend_session", client.get_cookie("safesend_session").value)
    assert stolen.get("/admin/log").status_code == 200
    post_form(client, "/admin/signout")
    assert stolen.get("/admin/log").status_code == 302


def test_sign_in_goes_back_only_to_console_pages(client, make_user):
    email = make_user("auditor")
    for target, expected in (("/admin/audit", "/admin/audit"), ("https://evil.example/", "/admin/"),
                             ("//evil.example/admin", "/admin/")):
        response = client.post("/admin/signin", data={"email": email, "password": PASSWORD,
                                                      "csrf_token": csrf_token(client), "next": target})
        assert response.headers["Location"] == expected
        post_form(client, "/admin/signout")


def test_sign_in_is_rate_limited_per_account(make_app, make_user):
    app = make_app(signin_max_failures=3)
    from safesend.store.tenants import ensure_tenant

    with transaction(app.extensions["safesend"].sessions) as session:
        ensure_tenant(session)
        users.create_user(session, "default", "it@x.example.org", "it", "t",
                          password_hash=hash_password(PASSWORD))
    client = app.test_client()
    for _ in range(3):
        assert sign_in(client, "it@x.example.org", "not the password").status_code == 401
    locked = sign_in(client, "it@x.example.org")              # right password, too late
    assert locked.status_code == 429 and b"Too many attempts" in locked.data


def test_sign_in_is_rate_limited_per_address(make_app):
    app = make_app(signin_max_failures_per_ip=4)
    client = app.test_client()
    for n in range(4):
        assert sign_in(client, f"guess{n}@x.example.org", "nope nope nope").status_code == 401
    assert sign_in(client, "another@x.example.org", "nope nope nope").status_code == 429
    other_address = app.test_client()
    other_address.environ_base["REMOTE_ADDR"] = "192.0.2.77"
    assert sign_in(other_address, "another@x.example.org", "nope nope nope").status_code == 401


def test_success_clears_the_account_count(make_app):
    app = make_app(signin_max_failures=3)
    from safesend.store.tenants import ensure_tenant

    with transaction(app.extensions["safesend"].sessions) as session:
        ensure_tenant(session)
        users.create_user(session, "default", "a@x.example.org", "it", "t",
                          password_hash=hash_password(PASSWORD))
    client = app.test_client()
    for _ in range(2):
        sign_in(client, "a@x.example.org", "wrong wrong wrong")
    assert sign_in(client, "a@x.example.org").status_code == 302
    post_form(client, "/admin/signout")
    for _ in range(2):
        sign_in(client, "a@x.example.org", "wrong wrong wrong")
    assert sign_in(client, "a@x.example.org").status_code == 302


def test_disabled_users_and_role_changes_take_effect_at_once(app, console, make_user):
    admin = console["admin"]
    assert admin.get("/admin/log").status_code == 200
    with transaction(app.extensions["safesend"].sessions) as session:
        user = users.find_by_email(session, "admin@default.example.org")
        users.set_role(session, user, "auditor", "test")
    assert admin.get("/admin/log").status_code == 302          # signed out: sign in again
    assert sign_in(admin, "admin@default.example.org").status_code == 302
    assert post_form(admin, "/admin/log/x/review", {"note": "n"}).status_code == 403
    with transaction(app.extensions["safesend"].sessions) as session:
        users.set_disabled(session, users.find_by_email(session, "admin@default.example.org"), True, "t")
    assert admin.get("/admin/").status_code == 302
    assert sign_in(admin, "admin@default.example.org").status_code == 403


def test_change_own_password(console):
    it = console["it"]
    bad = post_form(it, "/admin/account", {"current": "nope", "new": "x", "confirm": "x"})
    assert b"not your current password" in bad.data
    short = post_form(it, "/admin/account", {"current": PASSWORD, "new": "short", "confirm": "short"})
    assert b"at least 12 characters" in short.data
    good = post_form(it, "/admin/account", {"current": PASSWORD, "new": "a brand new passphrase",
                                            "confirm": "a brand new passphrase"})
    assert b"Password changed" in good.data
    assert it.get("/admin/").status_code == 200                 # this session goes on


def test_idle_sessions_end(make_app, make_user, monkeypatch):
    import time as clock

    app = make_app(session_idle_minutes=1)
    from safesend.store.tenants import ensure_tenant

    with transaction(app.extensions["safesend"].sessions) as session:
        ensure_tenant(session)
        users.create_user(session, "default", "idle@x.example.org", "it", "t",
                          password_hash=hash_password(PASSWORD))
    client = app.test_client()
    sign_in(client, "idle@x.example.org")
    assert client.get("/admin/").status_code == 200
    later = clock.time() + 120
    monkeypatch.setattr("safesend.accounts.session.time.time", lambda: later)
    assert client.get("/admin/").status_code == 302


def test_cli_user_create_with_password_stdin(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from safesend.cli import main

    monkeypatch.setenv("SAFESEND_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("SAFESEND_SECRET_KEY", "cli-test-secret")
    runner = CliRunner()
    weak = runner.invoke(main, ["user", "create", "--email", "x@d.org", "--role", "it",
                                "--password-stdin"], input="short\n")
    assert weak.exit_code == 2 and "at least 12" in weak.output
    made = runner.invoke(main, ["user", "create", "--email", "Lead@D.org", "--role", "it",
                                "--password-stdin"], input="a long enough passphrase\n")
    assert made.exit_code == 0 and "lead@d.org" in made.output
    again = runner.invoke(main, ["user", "create", "--email", "lead@d.org", "--role", "admin",
                                 "--no-password"])
    assert again.exit_code == 2 and "already has" in again.output
    listed = runner.invoke(main, ["user", "list"])
    assert "it\tlead@d.org\tactive" in listed.output
