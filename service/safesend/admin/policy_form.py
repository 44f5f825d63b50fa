"""The policy as a form: one field per setting, read from the pydantic model itself,
so a setting added to the policy appears on the page without touching this code.

`document_from_form` overlays submitted fields on the current document;
validation is the policy's own (`parse_policy`, `validate_sections`), whose
key paths put each message next to its field.
"""

from __future__ import annotations

import copy
import re
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml
from pydantic import BaseModel

from ..policy import IdPatternSettings, Policy, PolicyError, parse_policy
from ..sections import validate_sections
from .policy_help import SECTIONS, help_for, label_for

PATTERN_FIELDS = tuple(IdPatternSettings.model_fields)
CHECK_DIGITS = typing.get_args(IdPatternSettings.model_fields["check_digit"].annotation)


@dataclass(frozen=True)
class FieldSpec:
    path: str
    kind: str          # bool, int, optional_int, float, text, choice, lines, terms, patterns, yaml
    label: str
    help: str
    choices: tuple[str, ...] = ()


@dataclass
class Section:
    key: str
    title: str
    description: str
    fields: list[FieldSpec] = field(default_factory=list)

    @property
    def is_rule(self) -> bool:
        return self.key.startswith("rules.")


def _kind(annotation) -> tuple[str, tuple[str, ...]]:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is bool:
        return "bool", ()
    if annotation is int:
        return "int", ()
    if annotation is float:
        return "float", ()
    if annotation is str:
        return "text", ()
    if origin is Literal:
        return "choice", tuple(str(a) for a in args)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)) and type(None) in args:
        return ("optional_int", ()) if int in args else ("text", ())
    if origin is list and args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
        return "patterns", ()
    if origin is list:
        return "lines", ()
    if origin is dict and args and typing.get_origin(args[1]) is list:
        return "terms", ()
    if origin is dict:
        return "yaml", ()
    raise TypeError(f"no form field for {annotation!r}")


def _walk(model: type[BaseModel], prefix: str) -> list[FieldSpec]:
    specs = []
    for name, info in model.model_fields.items():
        if name == "version":
            continue
        path = f"{prefix}{name}"
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            specs.extend(_walk(annotation, path + "."))
            continue
        kind, choices = _kind(annotation)
        specs.append(FieldSpec(path, kind, label_for(path), help_for(path), choices))
    return specs


FIELDS: list[FieldSpec] = _walk(Policy, "")


def _section_key(path: str) -> str:
    parts = path.split(".")
    if parts[0] == "rules":
        return ".".join(parts[:2])
    return parts[0] if parts[0] in SECTIONS else "general"


def sections() -> list[Section]:
    found: dict[str, Section] = {key: Section(key, *SECTIONS[key]) for key in SECTIONS}
    for spec in FIELDS:
        found[_section_key(spec.path)].fields.append(spec)
    return [s for s in found.values() if s.fields]


# --- form -> document


def document_from_form(form, base: dict) -> tuple[dict, dict[str, str]]:
    """The base document with every submitted field applied, and input errors by key path."""
    document = copy.deepcopy(base)
    errors: dict[str, str] = {}
    for spec in FIELDS:
        if spec.kind == "patterns":
            if f"{spec.path}.count" in form:
                _set(document, spec.path, _patterns(form, spec.path))
            continue
        if spec.path not in form:
            continue
        try:
            _set(document, spec.path, _value(spec, form))
        except ValueError as exc:
            errors[spec.path] = str(exc)
    return document, errors


def _value(spec: FieldSpec, form) -> Any:
    raw = form.get(spec.path, "")
    if spec.kind == "bool":
        return "1" in form.getlist(spec.path)   # a hidden "0" comes with every checkbox
    if spec.kind == "optional_int":
        return _number(raw, int) if raw.strip() else None
    if spec.kind in ("int", "float"):
        if not raw.strip():
            raise ValueError("Enter a number.")
        return _number(raw, int if spec.kind == "int" else float)
    if spec.kind == "lines":
        return [line.strip() for line in raw.splitlines() if line.strip()]
    if spec.kind == "terms":
        return _terms(raw)
    if spec.kind == "yaml":
        return _yaml_mapping(raw)
    return raw.strip()


def _number(raw: str, kind: type) -> int | float:
    """The number in words IT understands; range checks stay with the policy model."""
    text = raw.strip().replace(",", "") if kind is int else raw.strip()
    try:
        return kind(text)
    except ValueError:
        if kind is int:
            raise ValueError(f"“{raw.strip()[:40]}” is not a whole number: enter digits only, "
                             "like 10 (or leave it empty where “off” is allowed).") from None
        raise ValueError(f"“{raw.strip()[:40]}” is not a number: enter one like 2.5.") from None


def _terms(raw: str) -> dict[str, list[str]]:
    terms: dict[str, list[str]] = {}
    for number, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        category, sep, words = line.partition(":")
        if not sep or not category.strip():
            raise ValueError(f"Line {number}: write it as 'category: term, term'.")
        terms[category.strip()] = [w.strip() for w in words.split(",") if w.strip()]
    return terms


def _yaml_mapping(raw: str) -> dict:
    if not raw.strip():
        return {}
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ValueError(f"Not valid YAML{f' at line {mark.line + 1}' if mark else ''}.") from None
    if not isinstance(value, dict):
        raise ValueError("Write the settings as a YAML mapping (name: value).")
    return value


def _patterns(form, path: str) -> list[dict]:
    rows = []
    count = min(int(form.get(f"{path}.count", "0") or 0), 200)
    for index in range(count + 1):      # +1: the empty row for a new pattern
        key = f"{path}.{index}"
        if form.get(f"{key}.remove") or not (form.get(f"{key}.name", "").strip()
                                              or form.get(f"{key}.regex", "").strip()):
            continue
        row: dict[str, Any] = {}
        for name in PATTERN_FIELDS:
            raw = form.get(f"{key}.{name}", "")
            if name == "require_context":
                row[name] = "1" in form.getlist(f"{key}.{name}")
            elif name in ("context_words", "exclude_words"):
                words = [w.strip() for w in raw.split(",") if w.strip()]
                row[name] = words or None
            else:
                row[name] = raw.strip()
        rows.append(row)
    return rows


def _set(document: dict, path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    node = document
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value


# --- validation


def validated(document: dict, base_dir) -> tuple[Policy | None, list[tuple[str, str]]]:
    try:
        policy = parse_policy(document)
        validate_sections(policy, base_dir)
    except PolicyError as exc:
        return None, [(key, plain_reason(reason)) for key, reason in exc.errors]
    return policy, []


# The policy model's (pydantic's) wording, said for IT: (pattern, words).
_PLAIN = (
    (re.compile(r"Input should be a valid integer"), "Enter a whole number, like 10."),
    (re.compile(r"Input should be a valid number"), "Enter a number, like 2.5."),
    (re.compile(r"Input should be greater than or equal to (\S+)"), "Enter {0} or more."),
    (re.compile(r"Input should be greater than (\S+)"), "Enter a number above {0}."),
    (re.compile(r"Input should be less than or equal to (\S+)"), "Enter {0} or less."),
    (re.compile(r"Input should be less than (\S+)"), "Enter a number below {0}."),
    (re.compile(r"Input should be a valid boolean"), "Choose yes or no."),
    (re.compile(r"Input should be (?:'[^']*'(?:, | or )?)+$"), "Choose one of the listed options."),
)


def plain_reason(reason: str) -> str:
    for pattern, words in _PLAIN:
        found = pattern.match(reason)
        if found:
            return words.format(*found.groups())
    return reason


def errors_by_field(errors: list[tuple[str, str]]) -> dict[str, str]:
    """Each error under its own key path and under the field or section that shows it."""
    placed: dict[str, str] = {}
    paths = sorted((spec.path for spec in FIELDS), key=len, reverse=True)
    for key, reason in errors:
        placed.setdefault(key, reason)
        target = next((p for p in paths if key == p or key.startswith(p + ".")), None)
        placed.setdefault(target or _section_key(key), reason)
    return placed


# --- document -> what the inputs show


def display_values(document: dict) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for spec in FIELDS:
        value = _get(document, spec.path)
        if spec.kind == "lines":
            values[spec.path] = "\n".join(str(v) for v in value or [])
        elif spec.kind == "terms":
            values[spec.path] = "\n".join(f"{k}: {', '.join(v)}" for k, v in (value or {}).items())
        elif spec.kind == "yaml":
            values[spec.path] = yaml.safe_dump(value, sort_keys=False) if value else ""
        elif spec.kind == "patterns":
            values[spec.path] = [{**row, "context_words": ", ".join(row.get("context_words") or []),
                                  "exclude_words": ", ".join(row.get("exclude_words") or [])}
                                 for row in value or []]
        elif spec.kind == "bool":
            values[spec.path] = bool(value)
        else:
            values[spec.path] = "" if value is None else str(value)
    return values


def _get(document: dict, path: str) -> Any:
    node: Any = document
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node
