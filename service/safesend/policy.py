"""The district's policy: thresholds, domains, topics, limits.

One YAML document with safe defaults built in. Validation errors name the
bad key and why, because IT edits this file by hand and in the console.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .actions import Action

# A word or phrase the detectors look for. Bounded: a term is compiled into a
# matcher whose build recurses once per character, and no real term is longer.
MAX_TERM_CHARS = 100
Term = Annotated[str, Field(max_length=MAX_TERM_CHARS)]

RuleMode = Literal["enforce", "audit"]


class PolicyError(ValueError):
    """A policy that cannot be used; `errors` lists (key path, reason)."""

    def __init__(self, errors: list[tuple[str, str]], malformed: bool = False):
        self.errors = errors
        # True when the document breaks its own schema (a wrong type, a value out of range, an
        # unknown key); False when it fits the schema but cannot be used (thresholds out of order).
        self.malformed = malformed
        super().__init__("; ".join(f"{key}: {reason}" for key, reason in errors))


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Thresholds(_Section):
    """Counts at which each action starts; None turns that level off."""

    warn_at: int | None = Field(default=None, ge=1)
    confirm_at: int | None = Field(default=None, ge=1)
    block_at: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _ascending(self) -> Thresholds:
        levels = [(n, v) for n, v in (("warn_at", self.warn_at), ("confirm_at", self.confirm_at),
                                      ("block_at", self.block_at)) if v is not None]
        for (low_name, low), (high_name, high) in zip(levels, levels[1:], strict=False):
            if high < low:
                raise ValueError(f"{high_name} ({high}) must not be below {low_name} ({low})")
        return self

    def action_for(self, count: int) -> Action:
        for name, action in (("block_at", "block"), ("confirm_at", "confirm"), ("warn_at", "warn")):
            limit = getattr(self, name)
            if limit is not None and count >= limit:
                return action  # type: ignore[return-value]
        return "allow"


class RuleSettings(_Section):
    enabled: bool = True
    # audit: record what would have happened, show nothing to the sender.
    mode: RuleMode = "enforce"


class VisibleRecipientsRule(RuleSettings, Thresholds):
    warn_at: int | None = Field(default=10, ge=1)
    # Action when the message is about a sensitive topic or goes to guardians
    # of students with plans: everyone learns who else is in the group.
    sensitive_action: Action = "confirm"


class AudienceSizeRule(RuleSettings, Thresholds):
    warn_at: int | None = Field(default=100, ge=1)
    confirm_at: int | None = Field(default=1000, ge=1)
    # Action when a list's size cannot be learned.
    unknown_size_action: Action = "allow"


class ExternalRecipientsRule(RuleSettings, Thresholds):
    enabled: bool = False
    warn_at: int | None = Field(default=1, ge=1)


class StudentDataRule(RuleSettings):
    # Any roster student or student ID going outside or to a large audience.
    warn_at: int | None = Field(default=1, ge=1)
    confirm_at: int | None = Field(default=10, ge=1)
    # Students with a plan, disability, diagnosis or other sensitive attribute.
    block_sensitive_at: int | None = Field(default=10, ge=1)
    # Audience at which internal mail counts as "a large audience".
    large_audience: int = Field(default=25, ge=1)
    # Fewer students than this to internal colleagues is ordinary school work.
    internal_allow_below: int = Field(default=10, ge=1)


class UnscannableRule(RuleSettings):
    action: Action = "warn"


class Rules(_Section):
    visible_recipients: VisibleRecipientsRule = Field(default_factory=VisibleRecipientsRule)
    audience_size: AudienceSizeRule = Field(default_factory=AudienceSizeRule)
    external_recipients: ExternalRecipientsRule = Field(default_factory=ExternalRecipientsRule)
    student_data: StudentDataRule = Field(default_factory=StudentDataRule)
    unscannable_attachment: UnscannableRule = Field(default_factory=UnscannableRule)


DEFAULT_SENSITIVE_TOPICS = (
    "504", "section 504", "504 plan", "504 plans", "IEP", "IEPs",
    "individualized education program", "individualized education plan",
    "special education", "special ed", "SPED", "disability", "disabilities",
    "diagnosis", "diagnosed", "behavior intervention plan", "behavior plan",
    "free lunch", "reduced lunch", "free and reduced", "free or reduced",
    "medical condition", "mental health", "counseling", "suspension", "expulsion",
    "disciplinary", "McKinney-Vento", "homeless", "foster care",
)


class IdPatternSettings(_Section):
    """A district's student ID format (see detect.ids.IdPatternConfig)."""

    name: str = Field(min_length=1, max_length=64)
    regex: str = Field(min_length=1, max_length=500,
                       description="The whole ID without separators, e.g. '\\d{8}' or 'S\\d{7}'")
    check_digit: Literal["none", "luhn", "mod10", "mod11", "mod97", "verhoeff"] = "none"
    context_words: list[Term] | None = Field(
        default=None, description="Words near an ID that raise confidence; empty = the defaults")
    context_window: int = Field(default=40, ge=0, le=500)
    require_context: bool = True
    exclude_words: list[Term] | None = None


def _default_id_patterns() -> list[IdPatternSettings]:
    from .detect import DEFAULT_ID_PATTERNS

    return [IdPatternSettings(name=p.name, regex=p.regex, check_digit=p.check_digit,  # type: ignore[arg-type]
                              context_window=p.context_window, require_context=p.require_context)
            for p in DEFAULT_ID_PATTERNS]


def _default_sensitive_terms() -> dict[str, list[str]]:
    from .detect import DEFAULT_SENSITIVE_TERMS

    return {category: list(terms) for category, terms in DEFAULT_SENSITIVE_TERMS.items()}


class Detection(_Section):
    """What counts as student data in bodies and attachments."""

    id_patterns: list[IdPatternSettings] = Field(default_factory=_default_id_patterns)
    # category -> terms; counted only near a student identifier.
    sensitive_terms: dict[str, list[Term]] = Field(default_factory=_default_sensitive_terms)
    near_window: int = Field(default=200, ge=10, le=5000)

    @field_validator("sensitive_terms", mode="before")
    @classmethod
    def _category_names(cls, value: Any) -> Any:
        # YAML reads `504:` as a number; a category name is text.
        if isinstance(value, dict):
            return {str(key): terms for key, terms in value.items()}
        return value
    dob_window: int = Field(default=80, ge=10, le=1000)
    min_text_id_length: int = Field(default=5, ge=3, le=20)


class Overrides(_Section):
    justification_min_length: int = Field(default=10, ge=1, le=500)


class Limits(_Section):
    """Request and scanning limits; the add-ins read max_attachment_bytes."""

    max_request_bytes: int = Field(default=40 * 1024 * 1024, ge=1024)
    max_attachment_bytes: int = Field(default=25 * 1024 * 1024, ge=1)
    max_total_bytes: int = Field(default=50 * 1024 * 1024, ge=1)
    max_depth: int = Field(default=3, ge=0, le=10)
    max_members: int = Field(default=500, ge=1)
    max_expansion_ratio: float = Field(default=100.0, ge=1)
    max_rows: int = Field(default=200_000, ge=1)
    max_pages: int = Field(default=500, ge=1)
    max_text_chars: int = Field(default=20_000_000, ge=1)
    time_budget_seconds: float = Field(default=5.0, gt=0, le=60)
    ocr: bool = True
    ocr_max_pages: int = Field(default=20, ge=1, le=500)
    ocr_max_pixels: int = Field(default=40_000_000, ge=10_000, le=400_000_000)
    ocr_languages: str = Field(default="eng", pattern=r"^[a-z][a-z_]{1,30}(\+[a-z][a-z_]{1,30}){0,4}$")
    ocr_time_seconds: float = Field(default=4.0, gt=0, le=60)
    max_recipients: int = Field(default=10_000, ge=1)


class Clients(_Section):
    # What an add-in does when the service does not answer in time:
    # open = let the sender send with a notice, closed = hold the message.
    fail_mode: Literal["open", "closed"] = "open"
    timeout_seconds: float = Field(default=4.0, gt=0, le=30)


class Incidents(_Section):
    # The district's own deadline for telling families, from its counsel's
    # reading of state law and contracts: a setting, not law in code.
    notify_within_days: int | None = Field(default=None, ge=1, le=365)


class Policy(_Section):
    version: int = 0
    # Factories are lambdas, not the builtins list/dict: pydantic reads each factory's
    # signature, and a builtin's is parsed from text with tokenize (~5 ms of `safesend check`).
    internal_domains: list[str] = Field(default_factory=lambda: [])
    sensitive_topics: list[str] = Field(default_factory=lambda: list(DEFAULT_SENSITIVE_TOPICS))
    rules: Rules = Field(default_factory=Rules)
    overrides: Overrides = Field(default_factory=Overrides)
    limits: Limits = Field(default_factory=Limits)
    clients: Clients = Field(default_factory=Clients)
    detection: Detection = Field(default_factory=Detection)
    incidents: Incidents = Field(default_factory=Incidents)
    # Validated by the directory module itself (see sections.py).
    directory: dict[str, Any] = Field(default_factory=lambda: {})

    @field_validator("internal_domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        cleaned = []
        for domain in value:
            domain = domain.strip().lower().lstrip("@").rstrip(".")
            if not domain or "@" in domain or " " in domain or "." not in domain:
                raise ValueError(f"{domain!r} is not a domain name like district.org")
            cleaned.append(domain)
        return sorted(set(cleaned))

    @field_validator("sensitive_topics")
    @classmethod
    def _topics(cls, value: list[str]) -> list[str]:
        return [t.strip() for t in value if t.strip()]

    def internal_domain_set(self, sender_domain: str) -> frozenset[str]:
        """The configured internal domains; the sender's own when none are."""
        if self.internal_domains:
            return frozenset(self.internal_domains)
        return frozenset({sender_domain}) if sender_domain else frozenset()

    def document(self) -> dict[str, Any]:
        """The policy as it is saved (without its version number)."""
        return self.model_dump(mode="json", exclude={"version"})


# Raised by this module's own validators: the value has the right shape but cannot be used.
SEMANTIC_ERRORS = ("value_error", "assertion_error")


def parse_policy(data: Any, version: int = 0, strict: bool = False) -> Policy:
    """Validate a policy document (a mapping) into a Policy. `strict` (the JSON API) refuses
    "true" for true and "5" for 5, as the OpenAPI document's types say; files and forms may
    spell them so."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PolicyError([("(document)", "a policy must be a mapping of settings")], malformed=True)
    data = {k: v for k, v in data.items() if k != "version"}
    try:
        return Policy.model_validate({**data, "version": version}, strict=strict)
    except ValidationError as exc:
        errors = exc.errors()
        raise PolicyError([(_key_path(e["loc"]), _reason(e)) for e in errors],
                          malformed=any(e["type"] not in SEMANTIC_ERRORS for e in errors)) from None


def with_time_budget(policy: Policy, seconds: float) -> Policy:
    """`policy` with another time budget per message, which may exceed the 60 s a saved
    policy holds (incident scans: nobody is waiting to send)."""
    limits = policy.limits.model_copy(update={"time_budget_seconds": float(seconds)})
    return policy.model_copy(update={"limits": limits})


def load_policy_file(path: str | Path) -> Policy:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError([("(file)", f"cannot read {path}: {exc.strerror}")]) from None
    return parse_policy_yaml(text)


def parse_policy_yaml(text: str, version: int = 0) -> Policy:
    import yaml  # only to read YAML: a policy from the database is JSON

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where else ""
        raise PolicyError([("(yaml)", f"not valid YAML{line}")]) from None
    return parse_policy(data, version)


def dump_policy_yaml(policy: Policy) -> str:
    import yaml

    return yaml.safe_dump(policy.document(), sort_keys=False, allow_unicode=True)


def _key_path(loc: tuple) -> str:
    return ".".join(str(part) for part in loc) or "(document)"


def _reason(error: dict) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown setting"
    message = error["msg"]
    return message.removeprefix("Value error, ")
