"""Policy sections owned by other modules (directory, detection), validated
by those modules when a policy is saved, so IT sees a bad key at once rather
than at the first check."""

from __future__ import annotations

from .policy import Policy, PolicyError


def validate_sections(policy: Policy, base_dir=None) -> None:
    """Raise PolicyError naming the bad key of any section that cannot be used."""
    errors: list[tuple[str, str]] = []
    if policy.directory:
        from .directory import DirectoryConfigError, build_directory

        try:
            directory = build_directory(policy.directory, base_dir=base_dir)
        except DirectoryConfigError as exc:
            errors.append((exc.key, exc.why))
        else:
            if directory is not None:
                directory.close()
    errors.extend(_detection_errors(policy))
    if errors:
        raise PolicyError(errors)


def _detection_errors(policy: Policy) -> list[tuple[str, str]]:
    from .content import detect_config
    from .detect import PatternError

    try:
        detect_config(policy.detection)
    except PatternError as exc:
        names = [p.name for p in policy.detection.id_patterns]
        index = names.index(exc.pattern) if exc.pattern in names else 0
        return [(f"detection.id_patterns.{index}.regex", exc.reason)]
    return []
