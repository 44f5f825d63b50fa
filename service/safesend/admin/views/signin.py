"""Sign-in and sign-out: local password, Microsoft Entra ID, Google; the account page."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask import session as cookie

from ...accounts import session as console_session
from ...accounts import sign_in_methods, throttle
from ...accounts.passwords import (
    WeakPassword,
    check_strength,
    hash_password,
    needs_rehash,
    verify_password,
)
from ...identity.signin import SignInRefused, user_for_identity
from ...store import users
from ...store.db import transaction
from .. import bp
from ..guard import current_user, load_user, page, services
from .errors import not_found

WRONG_PASSWORD = "That email and password do not match an account."
TOO_MANY = "Too many attempts. Wait a few minutes, then try again."


def _safe_next(target: str | None) -> str:
    """Only console paths: never an open redirect to another site, and nothing
    that cannot go in a Location header (a newline or other control character)."""
    if (target and target.startswith("/admin") and not target.startswith("//")
            and "\\" not in target and target.isprintable() and target.isascii()):
        return target
    return url_for("admin.dashboard")


def _signin_page(error: str = "", status: int = 200, email: str = ""):
    methods = sign_in_methods()
    return render_template("admin/signin.html", error=error, email=email,
                           next=request.values.get("next", ""),
                           entra=methods.entra.configured, google=methods.google.configured,
                           notice=request.args.get("notice", "")), status


def _client_address() -> str:
    return request.remote_addr or "unknown"   # ProxyFix supplies the client's when trusted


@bp.get("/signin")
def signin():
    if load_user() is not None:
        return redirect(_safe_next(request.args.get("next")))
    return _signin_page()


@bp.post("/signin")
def signin_password():
    email = users.normalize_email(request.form.get("email", ""))
    password = request.form.get("password", "")
    limits = sign_in_methods().limits
    # Counted (and committed) before the password is checked: simultaneous
    # guesses cannot all slip under the limit.
    if not throttle.attempt(services().sessions, limits, _client_address(), email):
        return _signin_page(TOO_MANY, 429, email)
    with transaction(services().sessions) as db:
        user = users.find_by_email(db, email) if email else None
        if not verify_password(user.password_hash if user else None, password) or user is None:
            return _signin_page(WRONG_PASSWORD, 401, email)
        if user.disabled_at is not None:
            return _signin_page("This SafeSend account is disabled. Ask IT.", 403, email)
        if needs_rehash(user.password_hash or ""):
            users.rehash_password(user, hash_password(password))
        throttle.record_success(db, limits, _client_address(), email)
        users.record_sign_in(user, "password")
        console_session.begin(user, "password")
    return redirect(_safe_next(request.form.get("next")))


def _callback_url(endpoint: str) -> str:
    public = services().settings.public_url
    return public + url_for(endpoint) if public else url_for(endpoint, _external=True)


def _start(provider: str, endpoint: str):
    method = getattr(sign_in_methods(), provider)
    if not method.configured:
        return not_found()
    with transaction(services().sessions) as db:
        if throttle.blocked(db, sign_in_methods().limits, _client_address()):
            return _signin_page(TOO_MANY, 429)
    try:
        flow = method.start(_callback_url(endpoint))
    except SignInRefused as exc:
        return _signin_page(str(exc), 503)
    # Keep what the callback needs, not the (long) authorization URL: cookies are small.
    cookie[f"{provider}_flow"] = {k: v for k, v in flow.items() if k != "auth_uri"}
    cookie["next"] = _safe_next(request.args.get("next"))
    return redirect(flow["auth_uri"])


def _finish(provider: str):
    methods = sign_in_methods()
    method = getattr(methods, provider)
    if not method.configured:
        return not_found()
    flow = cookie.pop(f"{provider}_flow", None) or {}
    target = _safe_next(cookie.pop("next", None))
    with transaction(services().sessions) as db:
        if throttle.blocked(db, methods.limits, _client_address()):
            return _signin_page(TOO_MANY, 429)
        try:
            identity = method.finish(flow, request.args.to_dict())
            user = user_for_identity(db, identity, methods.role_groups)
        except SignInRefused as exc:
            throttle.record_failure(db, methods.limits, _client_address())
            return _signin_page(str(exc), 403)
        users.record_sign_in(user, provider)
        console_session.begin(user, provider)
    return redirect(target)


@bp.get("/signin/microsoft")
def signin_microsoft():
    return _start("entra", "admin.signin_microsoft_done")


@bp.get("/signin/microsoft/callback")
def signin_microsoft_done():
    return _finish("entra")


@bp.get("/signin/google")
def signin_google():
    return _start("google", "admin.signin_google_done")


@bp.get("/signin/google/callback")
def signin_google_done():
    return _finish("google")


@bp.post("/signout")
def signout():
    user = load_user()
    with transaction(services().sessions) as db:
        console_session.sign_out(db, users.get_user(db, user.tenant_id, user.id) if user else None)
    return redirect(url_for("admin.signin", notice="You are signed out."))


@bp.route("/account", methods=["GET", "POST"])
@page("dashboard")
def account():
    me = current_user()
    errors: dict[str, str] = {}
    saved = False
    with transaction(services().sessions) as db:
        user = users.get_user(db, me.tenant_id, me.id)
        has_password = bool(user.password_hash)
        if request.method == "POST" and has_password:
            errors = _change_password(db, user)
            saved = not errors
            if saved:
                console_session.begin(user, me.method)   # keep this session; others end
    return render_template("admin/account.html", errors=errors, saved=saved,
                           has_password=has_password)


def _change_password(db, user) -> dict[str, str]:
    current, new = request.form.get("current", ""), request.form.get("new", "")
    if not verify_password(user.password_hash, current):
        return {"current": "This is not your current password."}
    if new != request.form.get("confirm", ""):
        return {"confirm": "The two new passwords differ."}
    try:
        check_strength(new, user.email)
    except WeakPassword as exc:
        return {"new": str(exc)}
    users.set_password(db, user, hash_password(new), actor=user.email)
    return {}
