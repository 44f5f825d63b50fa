"""Health and the OpenAPI document (both need no authentication)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from . import bp
from .openapi import openapi_document

root = Blueprint("api_root", __name__)


@root.get("/healthz")
@bp.get("/healthz")
def healthz():
    try:
        with current_app.extensions["safesend"].engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        current_app.logger.exception("health check: database unreachable")
        return jsonify({"status": "error", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok"})


@root.get("/api/openapi.json")
def openapi():
    return jsonify(openapi_document())
