"""Each corpus file's outcome held against a reviewed snapshot committed in tests/snapshots/.

A sweep that only asserts "no exception" passes when every .docx is suddenly "damaged"; a
snapshot of each file's outcome (the verdict's action; unscannable or not, and why) does not.
Regenerate after a deliberate change with SAFESEND_UPDATE_CORPUS_SNAPSHOTS=1, then review the
diff (`git diff tests/snapshots/`) before committing it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE_ENV = "SAFESEND_UPDATE_CORPUS_SNAPSHOTS"
SCANNED = "scanned"

# Reasons that depend on how busy the machine is, not on the file: a file may hit the time
# limit on a loaded CI runner and not on a laptop. A change involving only these is tolerated
# for a few files, and listed; a change of any other kind fails.
LOAD_SENSITIVE = (
    re.compile(r"the time limit for scanning was reached"),
    re.compile(r"was too slow on it"),
    re.compile(r"SafeSend could not finish scanning it"),
)
# How many files may differ only by load-sensitive reasons before the sweep fails anyway.
LOAD_TOLERANCE = 0.01


def outcome(reasons: list[str] | tuple[str, ...], action: str | None = None) -> str:
    """'warn; unscannable: it is damaged or not a valid PDF' or 'allow; scanned'."""
    # The reasons are fixed wording (reasons.py) with the sweep's fixed limits: no file content.
    classes = sorted(set(reasons))
    scanned = ("unscannable: " + " | ".join(classes)) if classes else SCANNED
    return f"{action}; {scanned}" if action else scanned


def _load_sensitive(text: str) -> bool:
    return any(pattern.search(text) for pattern in LOAD_SENSITIVE)


def compare(name: str, observed: dict[str, str]) -> None:
    """Assert `observed` (file -> outcome) matches the snapshot `name`, or rewrite it on request."""
    path = SNAPSHOTS / f"{name}.json"
    if os.environ.get(UPDATE_ENV) == "1":
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(json.dumps(dict(sorted(observed.items())), indent=1, ensure_ascii=False) + "\n")
        return
    assert path.is_file(), f"no snapshot at {path}: run once with {UPDATE_ENV}=1 and review it"
    expected: dict[str, str] = json.loads(path.read_text())
    missing = sorted(set(expected) - set(observed))
    added = sorted(set(observed) - set(expected))
    changed = {f: (expected[f], observed[f]) for f in sorted(set(expected) & set(observed))
               if expected[f] != observed[f]}
    load_only = {f: pair for f, pair in changed.items()
                 if _load_sensitive(pair[0]) or _load_sensitive(pair[1])}
    real = {f: pair for f, pair in changed.items() if f not in load_only}
    if len(load_only) > max(3, LOAD_TOLERANCE * len(expected)):
        real.update(load_only)
    elif load_only:
        print(f"\n{name}: {len(load_only)} file(s) differ only by the time limit (machine load): "
              + "; ".join(f"{f}: {a!r} -> {b!r}" for f, (a, b) in load_only.items()))
    problems = [f"{f}: snapshot {a!r}, now {b!r}" for f, (a, b) in list(real.items())[:40]]
    problems += [f"{f}: in the snapshot, not in the corpus" for f in missing[:10]]
    problems += [f"{f}: in the corpus, not in the snapshot" for f in added[:10]]
    assert not (real or missing or added), (
        f"{len(real)} changed, {len(missing)} missing, {len(added)} new against {path.name} "
        f"(if intended: {UPDATE_ENV}=1, then review the diff):\n" + "\n".join(problems))
