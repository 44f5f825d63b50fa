"""The add-in's web files, and the two scripts the service assembles.

Classic Outlook on Windows loads exactly one JavaScript file for the send
handler and supports no imports, so `launchevent.js` is served as one
script: the deployment's configuration, then core.js, mailbox.js and the
handler itself. The task pane loads the same parts as separate files,
with `config.js` generated the same way.
"""

from __future__ import annotations

import json
from pathlib import Path

HANDLER_PARTS = ("core.js", "mailbox.js", "launchevent.js")
# What may be fetched from the add-in folder; anything else is 404.
SERVED_SUFFIXES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css",
                   ".png": "image/png"}


def default_addin_dir() -> Path:
    """addin/outlook beside the package in a source checkout."""
    return Path(__file__).resolve().parents[3] / "addin" / "outlook"


def resolve_addin_dir(configured: Path | None) -> Path:
    return Path(configured) if configured else default_addin_dir()


def served_file(addin_dir: Path, relative: str) -> Path | None:
    """The file for a URL path under /addin/outlook/, or None (no escaping the folder)."""
    root = addin_dir.resolve()
    candidate = (root / relative).resolve()
    if root not in candidate.parents or candidate.suffix not in SERVED_SUFFIXES:
        return None
    return candidate if candidate.is_file() else None


def config_script(config: dict) -> str:
    """A plain-script assignment the add-in reads as SafeSendConfig."""
    data = json.dumps(config, indent=1, sort_keys=True).replace("</", "<\\/")
    return ("/* SafeSend deployment settings, written by the service. */\n"
            f"(typeof globalThis !== 'undefined' ? globalThis : this).SafeSendConfig = {data};\n")


def handler_bundle(addin_dir: Path, config: dict) -> str:
    parts = [config_script(config)]
    for name in HANDLER_PARTS:
        parts.append(f"/* ---- {name} ---- */\n" + (addin_dir / name).read_text(encoding="utf-8"))
    return "\n".join(parts)
