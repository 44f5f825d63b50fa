"""Cookies, CSRF and security headers for the console.

- The session cookie is HttpOnly and SameSite=Lax, and Secure whenever the
  request came over HTTPS (directly or through the trusted proxy), or always
  with SAFESEND_SESSION_COOKIE_SECURE=1.
- CSRF (Flask-WTF) guards every state-changing console request; it is not
  switched on app-wide because the JSON API and the add-ins authenticate with
  bearer tokens, not cookies.
- Console responses carry a strict CSP (no inline script or style, no
  framing), and HSTS when served over HTTPS.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

from ..config import Settings

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "font-src 'self'", "connect-src 'self'", "form-action 'self'", "base-uri 'none'",
    "frame-ancestors 'none'",
))
HSTS = "max-age=31536000; includeSubDomains"


class _SecureWhenHttps(SecureCookieSessionInterface):
    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def init_app(app: Flask, settings: Settings) -> None:
    app.config.update(
        SESSION_COOKIE_NAME="safesend_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",   # Lax: the sign-in callback is a top-level GET from the IdP
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=int(settings.session_hours * 3600),
    )
    app.session_interface = _SecureWhenHttps()
    csrf.init_app(app)


def protect_form() -> None:
    """Refuse a state-changing console request without a valid CSRF token."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


def add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint != "admin.static":
        headers.setdefault("Cache-Control", "no-store")   # pages show district data
    return response
