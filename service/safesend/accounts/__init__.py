"""Console accounts: local passwords, Entra ID and Google sign-in, roles, sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app

from ..config import Settings
from ..fingerprint import derive_key
from .entra import EntraSignIn
from .google import GoogleSignIn
from .identity import ExternalIdentity, SignInRefused, user_for_identity
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


__all__ = ["ExternalIdentity", "SignIn", "SignInRefused", "init_app", "sign_in_methods",
           "user_for_identity"]
