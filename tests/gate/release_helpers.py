"""Sign in on the release page and give a reason, as the sender's browser would."""

from __future__ import annotations

import re

from admin.console_helpers import CSRF, PASSWORD

LINK = re.compile(r"https://safesend\.test(/r/[A-Za-z0-9._-]+)")


def release_path(lines_or_text) -> str:
    text = lines_or_text if isinstance(lines_or_text, str) else "\n".join(lines_or_text)
    found = LINK.search(text)
    assert found, text
    return found.group(1)


def add_user(app, email: str) -> None:
    """A SafeSend password account (the teacher's district may use Microsoft or Google instead)."""
    from safesend.accounts.passwords import hash_password
    from safesend.store import users
    from safesend.store.db import transaction

    with transaction(app.extensions["safesend"].sessions) as session:
        users.create_user(session, "default", email, "auditor", "test",
                          password_hash=hash_password(PASSWORD))


def csrf(client, path: str) -> str:
    found = CSRF.search(client.get(path).get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def sign_in(client, path: str, email: str, password: str = PASSWORD):
    return client.post(f"{path}/signin", data={"email": email, "password": password,
                                               "csrf_token": csrf(client, path)})


def give_reason(client, path: str, reason: str):
    return client.post(path, data={"reason": reason, "csrf_token": csrf(client, path)})
