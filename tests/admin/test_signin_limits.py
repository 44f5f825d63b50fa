"""Sign-in limits hold under concurrency and cannot be used to lock someone out."""

from __future__ import annotations

import threading
from collections import Counter

from admin.console_helpers import PASSWORD, csrf_token, sign_in
from sqlalchemy import text

from safesend.accounts.passwords import hash_password
from safesend.store import users
from safesend.store.db import transaction
from safesend.store.tenants import ensure_tenant

OWNER = "owner@default.example.org"


def _owner(app):
    with transaction(app.extensions["safesend"].sessions) as session:
        ensure_tenant(session)
        users.create_user(session, "default", OWNER, "it", "t", password_hash=hash_password(PASSWORD))


def _client(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_thirty_simultaneous_wrong_guesses_check_at_most_the_limit(make_app):
    app = make_app(signin_max_failures=5, signin_max_failures_per_ip=1000)
    _owner(app)
    clients = [_client(app, "203.0.113.9") for _ in range(30)]
    tokens = [csrf_token(client) for client in clients]
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def guess(client, token):
        start.wait()
        response = client.post("/admin/signin", data={"email": OWNER, "password": "wrong guess here",
                                                       "csrf_token": token})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=pair) for pair in zip(clients, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    # 401: the password was checked (and was wrong); 429: refused before checking.
    assert Counter(statuses) == {401: 5, 429: 25}


def test_a_stranger_cannot_lock_the_owner_out(make_app):
    app = make_app(signin_max_failures=3)
    _owner(app)
    stranger = _client(app, "203.0.113.9")
    results = [sign_in(stranger, OWNER, "not the password").status_code for _ in range(5)]
    assert results == [401, 401, 401, 429, 429]
    assert sign_in(stranger, OWNER).status_code == 429          # even the right one, from there
    owner = _client(app, "198.51.100.7")
    assert sign_in(owner, OWNER).status_code == 302             # the owner, elsewhere, gets in


def test_one_address_spraying_many_accounts_is_stopped(make_app):
    app = make_app(signin_max_failures_per_ip=6)
    sprayer = _client(app, "203.0.113.9")
    results = [sign_in(sprayer, f"user{n}@default.example.org", "Winter2026!").status_code
               for n in range(8)]
    assert results == [401] * 6 + [429] * 2


def test_counters_hold_neither_the_address_nor_the_typed_email(make_app):
    app = make_app()
    sign_in(_client(app, "203.0.113.9"), "zebulon.quartermaine@default.example.org", "wrong one")
    with app.extensions["safesend"].engine.connect() as connection:
        keys = " ".join(connection.execute(text("SELECT key FROM sign_in_counters")).scalars())
    assert keys and "zebulon" not in keys and "203.0.113" not in keys
