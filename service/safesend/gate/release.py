"""The release page /r/<token>: the sender of a held message gives the reason.

The link in the bounce is signed, names one check and expires. Only the
message's sender may release it: they sign in with the console's methods
(Microsoft, Google, or a SafeSend password), which here prove an address
and grant no console access. The reason is recorded as an override of the
held check; the same message sent again within the hour then passes.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, redirect, render_template, request, url_for
from flask import session as cookie

from ..accounts import session as console_session
from ..accounts import sign_in_methods, throttle
from ..accounts.passwords import verify_password
from ..admin import security
from ..identity.signin import SignInRefused
from ..store import checks as check_store
from ..store import overrides as override_store
from ..store import users
from ..store.db import transaction
from .replies import finding_text
from .tokens import RESEND_MINUTES, read_token

bp = Blueprint("release", __name__, url_prefix="/r", template_folder="templates")
bp.before_request(security.protect_form)
bp.after_request(security.add_headers)

WHO = "release_signin"   # cookie key: {"email", "tenant"} of the proven sender



def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _services():
    return current_app.extensions["safesend"]


def _held(token: str):
    """(tenant_id, check_id) of a valid link, or a 404 page."""
    found = read_token(_services().settings.secret_key, token)
    if found is None:
        abort(404)
    return found


def _signed_in_as(db, tenant_id: str) -> str | None:
    who = cookie.get(WHO) or {}
    if who.get("tenant") == tenant_id and who.get("email"):
        return who["email"]
    user = console_session.signed_in_user(db, _services().settings)
    if user is not None and user.tenant_id == tenant_id:
        return user.email
    return None


def _findings(check) -> list[str]:
    return [finding_text(f.rule, f.count) for f in check.findings if not f.audit and f.action == check.action]


@bp.route("/<token>", methods=["GET", "POST"])
def release(token: str):
    tenant_id, check_id = _held(token)
    with transaction(_services().sessions) as db:
        check = check_store.get_check(db, tenant_id, check_id)
        if check is None:
            abort(404)
        email = _signed_in_as(db, tenant_id)
        page = {"token": token, "findings": _findings(check), "minutes": RESEND_MINUTES,
                "email": email, "methods": sign_in_methods()}
        if email is None:
            return render_template("release/page.html", state="signin", **page)
        if email != check.sender:
            return render_template("release/page.html", state="not_sender", **page), 403
        if check.override is not None:
            return render_template("release/page.html", state="released", **page)
        if check.action != "confirm":
            return render_template("release/page.html", state="not_held", **page), 409
        error = ""
        if request.method == "POST":
            policy = _services().policy_for(db, tenant_id)
            try:
                override_store.record_override(db, check, email, request.form.get("reason", ""),
                                               policy)
            except override_store.OverrideRefused as exc:
                error = str(exc)
            else:
                return render_template("release/page.html", state="released", **page)
        status = 422 if error else 200
        return render_template("release/page.html", state="reason", error=error, **page), status


@bp.post("/<token>/signin")
def signin_password(token: str):
    tenant_id, _ = _held(token)
    email = users.normalize_email(request.form.get("email", ""))
    password = request.form.get("password", "")
    limits = sign_in_methods().limits
    address = request.remote_addr or "unknown"
    # Counted (and committed) before the password is checked, as the console does.
    if not throttle.attempt(_services().sessions, limits, address, email):
        return _signin_error(token, "Too many attempts. Wait a few minutes, then try again.", 429)
    with transaction(_services().sessions) as db:
        user = users.find_by_email(db, email) if email else None
        if user is None or not verify_password(user.password_hash, password) \
                or user.disabled_at is not None or user.tenant_id != tenant_id:
            return _signin_error(token, "That email and password do not match an account.", 401)
        throttle.record_success(db, limits, address, email)
    _prove(user.email, tenant_id)
    return redirect(url_for("release.release", token=token))


def _signin_error(token: str, message: str, status: int):
    return render_template("release/page.html", state="signin", token=token, findings=[],
                           minutes=RESEND_MINUTES, email=None, methods=sign_in_methods(),
                           error=message), status


def _prove(email: str, tenant_id: str) -> None:
    cookie[WHO] = {"email": email, "tenant": tenant_id}
    cookie.permanent = False   # the browser forgets it when closed


def _callback(endpoint: str) -> str:
    public = _services().settings.public_url
    return public + url_for(endpoint) if public else url_for(endpoint, _external=True)


@bp.get("/<token>/signin/<provider>")
def signin_provider(token: str, provider: str):
    _held(token)
    method = getattr(sign_in_methods(), {"microsoft": "entra", "google": "google"}.get(provider, ""),
                     None)
    if method is None or not method.configured:
        abort(404)
    try:
        flow = method.start(_callback(f"release.{provider}_done"))
    except SignInRefused as exc:
        return _signin_error(token, str(exc), 503)
    cookie["release_flow"] = {"provider": provider, "token": token,
                              **{k: v for k, v in flow.items() if k != "auth_uri"}}
    return redirect(flow["auth_uri"])


def _finish(provider: str):
    flow = cookie.pop("release_flow", None) or {}
    token = flow.pop("token", "")
    if flow.pop("provider", None) != provider or not token:
        abort(400)
    tenant_id, _ = _held(token)
    method = getattr(sign_in_methods(), "entra" if provider == "microsoft" else "google")
    try:
        identity = method.finish(flow, request.args.to_dict())
    except SignInRefused as exc:
        return _signin_error(token, str(exc), 403)
    if identity.tenant_id != tenant_id or not identity.email:
        return _signin_error(token, "This account belongs to another organization.", 403)
    _prove(identity.email.lower(), tenant_id)
    return redirect(url_for("release.release", token=token))


@bp.get("/signin/microsoft/callback")
def microsoft_done():
    return _finish("microsoft")


@bp.get("/signin/google/callback")
def google_done():
    return _finish("google")
