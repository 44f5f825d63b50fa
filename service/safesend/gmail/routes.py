"""Endpoints Google calls for the Gmail add-on: homepage, compose card, Move to Bcc.

Each request is first proven to come from Google (system_token); the user
is then identified by their own ID token in the event, so the check runs
under their district's policy and is recorded as theirs.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, jsonify, request, send_file

from .. import __version__
from ..auth import AuthError, Principal
from ..checking import prepare_check, run_check
from ..identity.google_tokens import verify_google_token
from ..schemas import CheckRequest, ClientIn, RequestError, to_message
from . import cards
from .events import AddonEvent, Draft, parse_event
from .recipients import plan_move_to_bcc
from .system_token import verify_from_google

PREFIX = "/gmail/addon"
bp = Blueprint("gmail_addon", __name__, url_prefix=PREFIX)
# The extension's icon, from the source checkout beside the package.
# Inside the package (package-data), so a wheel install serves it too; the extension's 128 px icon.
LOGO = Path(__file__).resolve().parent / "static" / "logo.png"
CLIENT_APP = "gmail-addon"


class CardReply(Exception):
    """Stop and show the user a card that says why."""

    def __init__(self, title: str, text: str):
        super().__init__(text)
        self.card = cards.message_card(title, text)


@bp.post("/homepage")
def homepage():
    verify_from_google(_event_json())
    return jsonify(cards.navigate_to(cards.homepage_card()))


@bp.post("/compose")
def compose():
    event = _verified_event()
    try:
        principal, draft = _user(event), _draft(event)
        verdict = _check_recipients(principal, draft)
    except CardReply as reply:
        return jsonify(cards.navigate_to(reply.card))
    return jsonify(cards.navigate_to(cards.verdict_card(verdict, _url("/move-to-bcc"))))


@bp.post("/move-to-bcc")
def move_to_bcc():
    event = _verified_event()
    try:
        principal, draft = _user(event), _draft(event)
    except CardReply as reply:
        return jsonify({"renderActions": cards.navigate_to(reply.card)})
    return jsonify(cards.draft_update(plan_move_to_bcc(draft, principal.email)))


@bp.get("/deployment.json")
def deployment():
    """The add-on's deployment.json for this service: what IT hands to
    `gcloud workspace-add-ons deployments create` (public, like the Outlook manifest)."""
    from .deployment import DeploymentError, render_deployment

    public = current_app.extensions["safesend"].settings.public_url
    try:
        return jsonify(render_deployment(public or request.url_root.rstrip("/")))
    except DeploymentError as exc:
        return jsonify({"error": {"code": "invalid_request", "message": str(exc), "field": None}}), 400


@bp.get("/logo.png")
def logo():
    return send_file(LOGO, mimetype="image/png", max_age=86400)


def _event_json() -> dict:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


def _verified_event() -> AddonEvent:
    data = _event_json()
    verify_from_google(data)
    return parse_event(data)


def _url(path: str) -> str:
    public = current_app.extensions["safesend"].settings.public_url
    return (public or request.url_root.rstrip("/")) + PREFIX + path


def _user(event: AddonEvent) -> Principal:
    """The Gmail user, from the ID token Google put in the event for them."""
    verifier = current_app.extensions.get("safesend_google_verifier")
    if verifier is None:
        raise CardReply("Not set up", "SafeSend does not accept Google sign-ins yet. "
                        "Ask IT to set SAFESEND_GOOGLE_CLIENT_IDS and SAFESEND_GOOGLE_DOMAINS.")
    if not event.user_id_token:
        raise CardReply("Who are you?", "Google did not say who you are, so SafeSend cannot "
                        "check this draft. Ask IT to add the openid and userinfo.email scopes.")
    try:
        claims = verify_google_token(event.user_id_token, verifier.audiences, verifier.request,
                                     verifier.certs_url)
        return verifier.principal_for(claims)
    except AuthError as exc:
        raise CardReply("Cannot check this draft", str(exc)) from None


def _draft(event: AddonEvent) -> Draft:
    if event.draft is None:
        raise CardReply("No draft", "Open SafeSend from a message you are writing.")
    if event.draft.is_empty():
        raise CardReply("No recipients yet", "Add recipients, then open SafeSend again.")
    return event.draft


def _check_recipients(principal: Principal, draft: Draft) -> dict:
    services = current_app.extensions["safesend"]
    payload = CheckRequest(sender=principal.email, to=draft.to, cc=draft.cc, bcc=draft.bcc,
                           client=ClientIn(app=CLIENT_APP, version=__version__))
    policy, context = prepare_check(services, principal.tenant_id)
    try:
        message = to_message(payload, policy.limits.max_recipients)
    except RequestError as exc:
        raise CardReply("Cannot check this draft", str(exc)) from None
    return run_check(services, principal, message, policy, context).to_json()
