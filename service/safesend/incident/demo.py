"""`make demo`: one embedded scan worker, and a synthetic export to scan
(Incidents → mbox → demo-sent.mbox)."""

from __future__ import annotations

import click


def start_demo_worker(app):
    from ..demo import DEMO_ROSTER_STUDENTS
    from ..demo_data import synthetic_roster
    from .demo_mail import write_demo_export
    from .queue import EmbeddedWorker
    from .start import exports_dir

    services = app.extensions["safesend"]
    path = write_demo_export(exports_dir(services.settings), synthetic_roster(DEMO_ROSTER_STUDENTS))
    worker = EmbeddedWorker(services).start()
    click.echo(f"  {'scan worker':<13} 1 embedded; try Incidents with the mbox export {path.name}")
    return worker
