"""No roster text in the database: a plan value SafeSend does not know is
kept as a keyed hash, and still marks the student as having a plan."""

from __future__ import annotations

from sqlalchemy import text

from safesend.detect.roster import deserialize_roster
from safesend.store.db import transaction

ROSTER = ("Student Number,First Name,Last Name,Plan\n"
          "12345678,Ana,Lopez,Zebulon Quartermaine Program\n"
          "23456789,Ben,Okafor,IEP; Quartermaine Track\n"
          "34567890,Cy,Nguyen,\n")


def _stored_roster(engine) -> bytes:
    with engine.connect() as connection:
        return bytes(connection.execute(text("SELECT data FROM roster_snapshots")).scalar_one())


def test_unknown_plan_values_are_stored_as_keyed_hashes(app, client, auth):
    response = client.put("/api/v1/roster", headers={**auth["it"], "Content-Type": "text/csv"},
                          data=ROSTER)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.json["with_flags"] == 2
    blob = _stored_roster(app.extensions["safesend"].engine)
    for word in (b"ZEBULON", b"QUARTERMAINE", b"PROGRAM", b"TRACK"):
        assert word not in blob.upper()
    assert b"IEP" in blob                               # a known label stays readable
    # The unknown plans still count as plans: Ana and Ben are flagged, Cy is not.
    services = app.extensions["safesend"]
    with transaction(services.sessions) as session:
        index = services.roster_for(session, "default")
    students = deserialize_roster(blob)
    assert sorted(bool(s.flags) for s in students) == [False, True, True]
    assert sum(1 for i in range(3) if index.is_flagged(i)) == 2

def test_the_same_unknown_value_gets_the_same_hash_and_known_ones_pass(app):
    from safesend.detect.roster import RosterHasher

    hasher = RosterHasher(app.extensions["safesend"].roster_key)
    assert hasher.flag("504") == "504" and hasher.flag("IEP") == "IEP"
    hidden = hasher.flag("ZEBULON QUARTERMAINE PROGRAM")
    assert hidden.startswith("~") and "ZEBULON" not in hidden
    assert hasher.flag("ZEBULON QUARTERMAINE PROGRAM") == hidden != hasher.flag("OTHER PLAN")
    assert hasher.flag(hidden) == hidden                 # hashing is not repeated
