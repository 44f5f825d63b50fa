"""Incident response costs: roster import with and without the contact vault,
the affected-people report and the letters for a 230-student disclosure.

    .venv/bin/python bench/bench_incident.py [--students 20000]

Prints numbers; asserts nothing. SQLite in a temp folder; synthetic data only.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from incident.roster_fixture import Kid, roster_csv  # noqa: E402

from safesend.config import load_settings  # noqa: E402
from safesend.detect import RosterHasher  # noqa: E402
from safesend.incident.affected import affected_report  # noqa: E402
from safesend.incident.exposure import Exposure  # noqa: E402
from safesend.incident.letter_templates import load  # noqa: E402
from safesend.incident.letters import draft_letters  # noqa: E402
from safesend.incident.vault import generate_key, read_contacts  # noqa: E402
from safesend.roster_import import import_roster_file  # noqa: E402
from safesend.services import build_services  # noqa: E402
from safesend.store.db import transaction  # noqa: E402
from safesend.store.incident_models import Incident  # noqa: E402


def kids(count: int) -> list[Kid]:
    return [Kid(str(50000000 + i), f"First{i}", f"Last{i}", "Maple Elementary", str(1 + i % 12),
                ("504",) if i % 9 == 0 else (), ((f"Guardian {i}", f"g{i}@example.net"),))
            for i in range(count)]


def timed(label: str, action):
    started = time.perf_counter()
    result = action()
    print(f"{label:<46} {time.perf_counter() - started:8.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=20000)
    args = parser.parse_args()
    roster = kids(args.students)
    data = roster_csv(roster).encode()
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings({"instance_path": folder, "database_url": f"sqlite:///{folder}/b.db",
                                  "secret_key": "bench"})
        services = build_services(settings)
        secret = services.roster_key

        def run_import():
            with transaction(services.sessions) as session:
                import_roster_file(session, "default", data, secret, None, "bench")

        os.environ.pop("SAFESEND_VAULT_KEY", None)
        timed(f"import {args.students:,} students, no vault key", run_import)
        os.environ["SAFESEND_VAULT_KEY"] = generate_key()
        timed(f"import {args.students:,} students, with the vault", run_import)
        hasher = RosterHasher(secret)
        refs = tuple(hasher.hash_id(k.student_id).hex() for k in roster[:230])
        exposure = Exposure("check", "bench", "default", __import__("datetime").datetime.now(),
                            "t@district.example.org", "block", ("student_data",), 3, 3, 3, 230, 230,
                            refs, refs)
        with transaction(services.sessions) as session:
            timed("open 230 contacts from the vault", lambda: read_contacts(session, "default", refs))
            report = timed("affected-people report, 230 students", lambda: affected_report(session, exposure))
        print(f"families {len(report.families)}, state {report.vault.state}")
        big = tuple(hasher.hash_id(k.student_id).hex() for k in roster[:5000])
        exposure = Exposure("check", "bench", "default", __import__("datetime").datetime.now(),
                            "t@district.example.org", "block", ("student_data",), 3, 3, 3, 5000, 5000,
                            big, big)
        with transaction(services.sessions) as session:
            incident = Incident(id=1, occurred_at=exposure.occurred_at, discovered_at=exposure.occurred_at,
                                steps_taken="")
            report = timed("affected-people report, 5,000 students",
                           lambda: affected_report(session, exposure))
            timed("5,000 family letters drafted and checked", lambda: draft_letters(
                report, incident, "District", load(session, "default", "family"),
                load(session, "default", "community")))
        services.close()


if __name__ == "__main__":
    main()
