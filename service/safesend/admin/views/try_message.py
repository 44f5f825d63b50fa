"""Try a message: the verdict a sender would get, with any policy version. Nothing is stored."""

from __future__ import annotations

from flask import render_template, request

from ...checking import evaluate_check
from ...store.db import transaction
from ...store.policies import current_policy, list_versions, policy_at
from .. import bp
from ..guard import current_user, page, services
from ..try_input import TryInputError, message_from_form


@bp.route("/try", methods=["GET", "POST"])
@page("check")
def try_message():
    tenant = current_user().tenant_id
    verdict = message = None
    source = ""
    errors: dict[str, str] = {}
    context = None
    with transaction(services().sessions) as db:
        current = current_policy(db, tenant)
        versions = [v.version for v in list_versions(db, tenant)]
        chosen = request.form.get("version", type=int) or current.version
        if request.method == "POST":
            policy = policy_at(db, tenant, chosen) if chosen != current.version else current
            if policy is None:
                errors["version"], policy = "No such version.", current
            try:
                message = message_from_form(request.form, request.files, policy.limits.max_recipients)
            except TryInputError as exc:
                errors[exc.field] = str(exc)
            upload = request.files.get("file")
            if upload is not None and upload.filename:
                # Named back on this page only (never stored or logged): which file this is about.
                source = upload.filename.replace("\\", "/").rpartition("/")[2][:120]
            if message is not None and not errors:
                # Lists are sized by the current directory settings: one live directory per tenant.
                context = services().context_for(db, tenant, current)
    if context is not None:
        # As a check is: with no database connection held (a big file may take the whole
        # time budget), and a big one waits its turn among the other heavy checks.
        verdict = evaluate_check(services(), message, policy, context).verdict
    status = 400 if errors else 200
    return render_template("admin/try.html", verdict=verdict, message=message, errors=errors,
                           versions=versions, chosen=chosen, current_version=current.version,
                           form=request.form, source=source), status
