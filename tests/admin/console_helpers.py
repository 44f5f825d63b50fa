"""Helpers for console tests: CSRF tokens, signing in, posting forms."""

from __future__ import annotations

import re

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, path: str = "/admin/signin") -> str:
    page = client.get(path)
    found = CSRF.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


def sign_in(client, email: str, password: str = PASSWORD):
    token = csrf_token(client)
    return client.post("/admin/signin", data={"email": email, "password": password,
                                              "csrf_token": token})


def post_form(client, path: str, data: dict | None = None, page: str = "/admin/", **kwargs):
    """POST a console form with the CSRF token a real page would carry."""
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client, page)}, **kwargs)
