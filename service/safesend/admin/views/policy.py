"""Policy: every setting in a form, a diff before saving, versions and rollback."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from flask import redirect, render_template, request, url_for

from ...policy import dump_policy_yaml, parse_policy
from ...store import stats
from ...store.db import transaction
from ...store.policies import current_policy, list_versions, policy_at, save_policy
from .. import bp
from ..guard import current_user, page, services
from ..policy_diff import changes, describe
from ..policy_form import display_values, document_from_form, errors_by_field, sections, validated
from ..policy_help import PATTERN_HELP
from .errors import not_found

MAX_COMMENT = 500


def _form_page(document: dict, version: int, problems: list[tuple[str, str]] | tuple = (),
               notice: str = "", status: int = 200):
    tenant = current_user().tenant_id
    with transaction(services().sessions) as db:
        versions = list_versions(db, tenant)
        measured = stats.test_mode_findings(db, tenant, datetime.now(UTC) - timedelta(days=30))
    return render_template("admin/policy.html", sections=sections(), values=display_values(document),
                           document=document, version=version, versions=versions,
                           errors=errors_by_field(list(problems)),
                           summary=[(describe(key), reason) for key, reason in problems],
                           notice=notice, measured=measured, pattern_help=PATTERN_HELP,
                           editable=current_user().can("policy:write")), status


@bp.get("/policy")
@page("policy:read")
def policy():
    with transaction(services().sessions) as db:
        current = current_policy(db, current_user().tenant_id)
    saved = request.args.get("saved", type=int)
    return _form_page(current.document(), current.version,
                      notice=f"Saved as version {saved}." if saved else "")


@bp.post("/policy/preview")
@page("policy:write")
def policy_preview():
    with transaction(services().sessions) as db:
        current = current_policy(db, current_user().tenant_id)
    document, input_errors = document_from_form(request.form, current.document())
    policy, problems = None, list(input_errors.items())
    if not input_errors:
        policy, problems = validated(document, services().settings.instance_path)
    if policy is None:
        return _form_page(document, current.version, problems, status=400)
    # Diff the policy as it would be saved ("100" from the form is the stored 100).
    return _diff_page(current, policy.document(), comment=request.form.get("comment", ""))


@bp.post("/policy/versions/<int:number>/rollback")
@page("policy:write")
def policy_rollback(number: int):
    with transaction(services().sessions) as db:
        current = current_policy(db, current_user().tenant_id)
        old = policy_at(db, current_user().tenant_id, number)
    if old is None:
        return not_found("policy version")
    return _diff_page(current, old.document(), comment=f"Roll back to version {number}",
                      rollback_to=number)


def _diff_page(current, document: dict, comment: str, rollback_to: int | None = None):
    rows = changes(current.document(), document)
    return render_template("admin/policy_diff.html", rows=rows, version=current.version,
                           document_json=json.dumps(document), comment=comment[:MAX_COMMENT],
                           rollback_to=rollback_to)


@bp.post("/policy/save")
@page("policy:write")
def policy_save():
    user = current_user()
    try:
        document = json.loads(request.form.get("document", ""))
    except ValueError:
        document = None
    if not isinstance(document, dict):
        return _form_page({}, 0, [("(document)", "The form was incomplete; start again.")], status=400)
    policy, problems = validated(document, services().settings.instance_path)
    with transaction(services().sessions) as db:
        current = current_policy(db, user.tenant_id)
        if problems:
            return _form_page(document, current.version, problems, status=400)
        if request.form.get("base_version", type=int) != current.version:
            return _form_page(current.document(), current.version, status=409,
                              notice=f"Someone saved version {current.version} while you were "
                                     "editing. Here it is: make your change again.")
        # A rollback is named one in the audit trail only if it saves exactly that version.
        rollback_to = request.form.get("rollback_to", type=int)
        old = policy_at(db, user.tenant_id, rollback_to) if rollback_to else None
        saved = save_policy(db, user.tenant_id, policy, author=user.email,
                            comment=request.form.get("comment", "").strip()[:MAX_COMMENT],
                            rolled_back_to=rollback_to if old is not None
                            and old.document() == policy.document() else None)
    return redirect(url_for("admin.policy", saved=saved.version))


@bp.get("/policy/versions/<int:number>")
@page("policy:read")
def policy_version(number: int):
    tenant = current_user().tenant_id
    with transaction(services().sessions) as db:
        old = policy_at(db, tenant, number)
        current = current_policy(db, tenant)
        row = next((v for v in list_versions(db, tenant) if v.version == number), None)
    if old is None or row is None:
        return not_found("policy version")
    return render_template("admin/policy_version.html", row=row, yaml_text=dump_policy_yaml(old),
                           rows=changes(current.document(), old.document()),
                           current_version=current.version, against=None,
                           editable=current_user().can("policy:write"))


@bp.get("/policy/versions/<int:number>/changes")
@page("policy:read")
def policy_changes(number: int):
    """What one save changed: the version before it -> this version (the audit trail links here)."""
    tenant = current_user().tenant_id
    with transaction(services().sessions) as db:
        new = policy_at(db, tenant, number)
        before = policy_at(db, tenant, number - 1) if number > 1 else None
        current = current_policy(db, tenant)
        row = next((v for v in list_versions(db, tenant) if v.version == number), None)
    if new is None or row is None:
        return not_found("policy version")
    base = before.document() if before is not None else parse_policy({}).document()
    return render_template("admin/policy_version.html", row=row, yaml_text=dump_policy_yaml(new),
                           rows=changes(base, new.document()), current_version=current.version,
                           against=number - 1, editable=current_user().can("policy:write"))
