"""What a save would change: both documents flattened to key paths, compared."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .policy_help import SECTIONS, label_for


@dataclass(frozen=True)
class Change:
    path: str
    where: str       # 'Visible recipients › Warn at'
    before: str
    after: str

    @property
    def kind(self) -> str:
        if self.before == "—":
            return "added"
        return "removed" if self.after == "—" else "changed"


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested mappings to 'a.b.c' keys; lists of mappings by index; other lists stay whole."""
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        flat = {}
        for index, item in enumerate(value):
            flat.update(flatten(item, f"{prefix}.{index}"))
        return flat
    return {prefix: value}


def changes(before: dict, after: dict) -> list[Change]:
    old, new = flatten(before), flatten(after)
    rows = []
    for path in sorted(set(old) | set(new), key=_order(list(new) + list(old))):
        if old.get(path, _MISSING) != new.get(path, _MISSING):
            rows.append(Change(path, describe(path), shown(old.get(path, _MISSING), path),
                               shown(new.get(path, _MISSING), path)))
    return rows


def describe(path: str) -> str:
    parts = path.split(".")
    section = ".".join(parts[:2]) if parts[0] == "rules" else parts[0]
    title = SECTIONS.get(section, SECTIONS["general"])[0] if section in SECTIONS else "General"
    rest = parts[2:] if parts[0] == "rules" else parts[1:]
    if not rest:
        return label_for(path) if section not in SECTIONS else title
    return " › ".join([title, *(label_for(p) if not p.isdigit() else f"#{int(p) + 1}" for p in rest)])


class _Missing:
    pass


_MISSING = _Missing()


MODE_WORDS = {"audit": "Test mode", "enforce": "Enforced"}   # the same words as the form's dropdown


def shown(value: Any, path: str = "") -> str:
    if isinstance(value, _Missing):
        return "—"
    if path.endswith(".mode") and value in MODE_WORDS:
        return MODE_WORDS[value]
    if value is None:
        return "off"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(none)"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {shown(v)}" for k, v in value.items()) or "(none)"
    return str(value)


def _order(paths: list[str]):
    position = {path: index for index, path in reversed(list(enumerate(paths)))}
    return lambda path: position.get(path, len(position))
