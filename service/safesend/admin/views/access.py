"""API keys and users: create and revoke keys, add users, assign roles."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from ...accounts.passwords import WeakPassword, check_strength, hash_password
from ...accounts.roles import ROLE_LABELS
from ...store import apikeys, users
from ...store.db import transaction
from .. import bp
from ..guard import current_user, page, services
from .errors import not_found

KEY_ROLES = {"client": "Client (add-ins)", "it": "IT", "admin": "Administrator",
             "auditor": "Auditor (read only)"}


def _page(errors: dict[str, str] | None = None, new_key=None, notice: str = "", status: int = 200,
          form=None):
    tenant = current_user().tenant_id
    with transaction(services().sessions) as db:
        keys = apikeys.list_keys(db, tenant)
        people = users.list_users(db, tenant)
    return render_template("admin/access.html", keys=keys, people=people, key_roles=KEY_ROLES,
                           roles=ROLE_LABELS, errors=errors or {}, new_key=new_key, notice=notice,
                           form=form or {}, editable=current_user().can("access:manage")), status


@bp.get("/access")
@page("access:read")
def access():
    return _page(notice=request.args.get("notice", ""))


@bp.post("/access/keys")
@page("access:manage")
def access_key_create():
    role = request.form.get("role", "")
    name = request.form.get("name", "").strip()[:200]
    if role not in KEY_ROLES:
        return _page({"key_role": "Choose a role for the key."}, status=400, form=request.form)
    with transaction(services().sessions) as db:
        new_key = apikeys.create_key(db, current_user().tenant_id, role, name,
                                     created_by=current_user().email)
    # Shown once, on this response only: it is stored as a hash.
    return _page(new_key=new_key)


@bp.post("/access/keys/<int:key_id>/revoke")
@page("access:manage")
def access_key_revoke(key_id: int):
    with transaction(services().sessions) as db:
        revoked = apikeys.revoke_key(db, current_user().tenant_id, key_id, actor=current_user().email)
    if not revoked:
        return not_found("active key")
    return redirect(url_for("admin.access", notice=f"Key #{key_id} revoked."))


@bp.post("/access/users")
@page("access:manage")
def access_user_create():
    form = request.form
    email, role, password = form.get("email", ""), form.get("role", ""), form.get("password", "")
    # IT adds people of its own district only; so no answer here can tell
    # whether an address has an account in another organization.
    outside = _outside_district(email)
    if outside:
        return _page({"email": outside}, status=400, form=form)
    try:
        password_hash = None
        if password:
            check_strength(password, email)
            password_hash = hash_password(password)
        with transaction(services().sessions) as db:
            users.create_user(db, current_user().tenant_id, email, role, current_user().email,
                              name=form.get("name", ""), password_hash=password_hash)
    except WeakPassword as exc:
        return _page({"password": str(exc)}, status=400, form=form)
    except users.UserError as exc:
        return _page({exc.field or "email": str(exc)}, status=400, form=form)
    return redirect(url_for("admin.access", notice=f"{users.normalize_email(email)} added."))


def _outside_district(email: str) -> str:
    """Why `email` is not an address of this tenant's district ('' when it is):
    the policy's internal domains, or the acting IT user's own domain."""
    domain = users.normalize_email(email).rpartition("@")[2]
    if not domain:
        return ""   # not an address at all: create_user says so
    with transaction(services().sessions) as db:
        policy = services().policy_for(db, current_user().tenant_id)
    district = policy.internal_domain_set(current_user().email.rpartition("@")[2].lower())
    if any(domain == d or domain.endswith("." + d) for d in district):
        return ""
    return f"Add addresses of your district only ({', '.join(sorted(district))})."


@bp.post("/access/users/<int:user_id>")
@page("access:manage")
def access_user_update(user_id: int):
    me = current_user()
    change = request.form.get("change", "")
    with transaction(services().sessions) as db:
        user = users.get_user(db, me.tenant_id, user_id)
        if user is None:
            return not_found("user")
        if user.id == me.id and change in ("disable", "role"):
            # Nobody locks themselves out; another IT user can make this change.
            return _page({f"user{user_id}": "You cannot change your own role or disable yourself."},
                         status=400)
        try:
            if change == "role":
                users.set_role(db, user, request.form.get("role", ""), me.email)
            elif change in ("disable", "enable"):
                users.set_disabled(db, user, change == "disable", me.email)
            else:
                return _page({f"user{user_id}": "Unknown change."}, status=400)
        except users.UserError as exc:
            return _page({f"user{user_id}": str(exc)}, status=400)
        email = user.email
    return redirect(url_for("admin.access", notice=f"{email} updated."))
