"""Console accounts: local passwords, roles, sessions, sign-in limits, and the sign-in
methods this deployment offers (the identity providers' code is in identity/)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app

from ..config import Settings
from ..fingerprint import derive_key
from ..identity.entra_signin import EntraSignIn
from ..identity.google_signin import GoogleSignIn
from .throttle import Limits


@dataclass
class SignIn:
    """The sign-in methods this deployment offers (app.extensions['safesend_signin'])."""

    entra: EntraSignIn
    google: GoogleSignIn
    limits: Limits
    role_groups: dict[str, str]


def init_app(app: Flask, settings: Settings) -> None:
    app.extensions["safesend_signin"] = SignIn(
        entra=EntraSignIn(settings), google=GoogleSignIn(settings),
        limits=Limits(per_account=settings.signin_max_failures,
                      per_address=settings.signin_max_failures_per_ip,
                      window=timedelta(minutes=settings.signin_window_minutes),
                      key=derive_key(settings.secret_key, "sign-in-counters")),
        role_groups=dict(settings.role_groups))


def sign_in_methods() -> SignIn:
    return current_app.extensions["safesend_signin"]


__all__ = ["SignIn", "init_app", "sign_in_methods"]
