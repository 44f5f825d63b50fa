"""Issue 16: a roster cannot be lost by one import. An import that would drop more than
10% of the students, or any student with a plan, needs an explicit confirmation on every
path (console, API, command line); the previous roster stays and can be restored."""

from __future__ import annotations

import io

import pytest
from admin.console_helpers import csrf_token, post_form
from click.testing import CliRunner

from safesend.cli import main
from safesend.demo_data import synthetic_roster
from safesend.roster_guard import shrink_reasons
from safesend.store.roster import RosterCounts

FULL = synthetic_roster(300, seed=5).csv_text().encode()
TEN = synthetic_roster(10, seed=6).csv_text().encode()
NO_PLANS = "Student Number,First Name,Last Name\n" + "".join(
    f"{9000000 + i},Kim{i},Lee\n" for i in range(300))


def test_the_guard_counts_a_big_drop_and_any_lost_plan():
    before = RosterCounts(1200, 180, 2100)
    assert shrink_reasons(before, RosterCounts(1100, 180, 2000)) == []          # -8%: fine
    reasons = shrink_reasons(before, RosterCounts(10, 0, 15))
    assert "1,190 of 1,200 students (99%)" in reasons[0] and "from 180 to 0" in reasons[1]
    assert shrink_reasons(before, RosterCounts(1250, 179, 2200)) == [
        "students with a plan or flag would go from 180 to 179"]
    assert shrink_reasons(RosterCounts(), RosterCounts(10, 0, 0)) == []          # first import


def _upload(client, csv: bytes, replace: bool = False, path: str = "/admin/roster/import"):
    return client.post(path, headers={"Accept": "application/json"},
                       data={"csrf_token": csrf_token(client, "/admin/roster"),
                             "replace": "1" if replace else "0",
                             "file": (io.BytesIO(csv), "export.csv")})


def test_console_checks_asks_replaces_and_restores(console):
    it = console["it"]
    assert _upload(it, FULL).status_code == 200
    check = _upload(it, TEN, path="/admin/roster/check")
    preview = check.get_json()
    assert check.status_code == 200 and preview["saved"] is False
    assert preview["before"]["students"] == 300 and preview["after"]["students"] == 10
    assert preview["needs_confirmation"] and preview["rejected"] == 0
    refused = _upload(it, TEN)
    assert refused.status_code == 409 and refused.get_json()["needs_confirmation"]
    assert 'data-testid="roster-students">300<' in it.get("/admin/roster").get_data(as_text=True)
    assert _upload(it, TEN, replace=True).status_code == 200
    page = it.get("/admin/roster").get_data(as_text=True)
    assert 'data-testid="roster-students">10<' in page and 'data-testid="roster-previous"' in page
    restored = post_form(it, "/admin/roster/restore", page="/admin/roster")
    assert restored.status_code == 302 and restored.headers["Location"].endswith("done=restored")
    page = it.get(restored.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="roster-students">300<' in page and "previous roster is back" in page
    # Removing is undoable too.
    post_form(it, "/admin/roster/remove", page="/admin/roster")
    post_form(it, "/admin/roster/restore", page="/admin/roster")
    assert 'data-testid="roster-students">300<' in it.get("/admin/roster").get_data(as_text=True)


def test_console_check_counts_the_rows_that_will_be_skipped(console):
    bad = FULL.decode().splitlines()
    bad[3] = ",Ana,Diaz,2012-01-01,,,"          # no student ID: skipped
    preview = _upload(console["it"], "\n".join(bad).encode(), path="/admin/roster/check").get_json()
    assert preview["rejected"] == 1 and preview["after"]["students"] == 299
    assert "line 4" in preview["errors"][0]


def test_api_needs_replace_true_and_can_restore(client, auth):
    put = lambda data, query="": client.put(f"/api/v1/roster{query}", data=data,  # noqa: E731
                                            headers={**auth["it"], "Content-Type": "text/csv"})
    assert put(FULL).status_code == 200
    refused = put(TEN)
    body = refused.get_json()
    assert refused.status_code == 409 and body["error"]["code"] == "roster_would_shrink"
    assert body["before"]["students"] == 300 and body["after"]["students"] == 10
    assert "students 300 -> 10" in body["error"]["message"]
    assert client.get("/api/v1/roster", headers=auth["it"]).get_json()["students"] == 300
    assert put(TEN, "?replace=true").status_code == 200
    summary = client.get("/api/v1/roster", headers=auth["it"]).get_json()
    assert summary["students"] == 10 and summary["previous"]["students"] == 300
    restored = client.post("/api/v1/roster/restore", headers=auth["it"])
    assert restored.status_code == 200 and restored.get_json()["students"] == 300
    # A file that loses every plan column asks too, even with as many students.
    assert put(NO_PLANS.encode()).status_code == 409
    client.delete("/api/v1/roster", headers=auth["it"])
    client.post("/api/v1/roster/restore", headers=auth["it"])
    client.post("/api/v1/roster/restore", headers=auth["it"])   # back and forth: both kept
    assert client.get("/api/v1/roster", headers=auth["it"]).get_json()["students"] == 300


def test_api_restore_without_a_previous_roster_is_404(client, auth):
    answer = client.post("/api/v1/roster/restore", headers=auth["it"])
    assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "no_previous_roster"


def test_openapi_documents_the_confirmation(client):
    spec = client.get("/api/openapi.json").get_json()
    put = spec["paths"]["/api/v1/roster"]["put"]
    assert [p["name"] for p in put["parameters"]] == ["replace"] and "409" in put["responses"]
    assert "post" in spec["paths"]["/api/v1/roster/restore"]


@pytest.fixture
def cli(tmp_path, monkeypatch, database_url):
    from conftest import _clean

    monkeypatch.setenv("SAFESEND_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("SAFESEND_DATABASE_URL", database_url)
    monkeypatch.setenv("SAFESEND_SECRET_KEY", "roster-guard-secret")
    _clean(database_url)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_cli_refuses_without_replace_with_the_numbers_then_restores(cli, tmp_path):
    full, ten = tmp_path / "full.csv", tmp_path / "ten.csv"
    full.write_bytes(FULL)
    ten.write_bytes(TEN)
    assert cli("roster", "import", full).exit_code == 0
    refused = cli("roster", "import", ten)
    assert refused.exit_code == 1
    assert "students 300 -> 10" in refused.stderr and "--replace" in refused.stderr
    assert "300 students" in cli("roster", "show").output.replace(",", "")
    replaced = cli("roster", "import", ten, "--replace")
    assert replaced.exit_code == 0 and "imported 10 students" in replaced.output
    restored = cli("roster", "restore")
    assert restored.exit_code == 0 and "students 10 -> 300" in restored.output
    assert cli("roster", "show").output.startswith("300 students")
    assert cli("roster", "restore").exit_code == 0           # a restore can be undone
    assert cli("roster", "show").output.startswith("10 students")
