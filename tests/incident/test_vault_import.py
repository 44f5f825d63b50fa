"""The contact vault is filled from the import's one pass (issue 17): the rows
the import parsed and the ID hashes it made are sealed, not a second parse of
the file. What is sealed must be what the two-pass import sealed: each
student's ID, names, plans and guardians from the roster parse, with school,
grade and guardian names from their row."""

from __future__ import annotations

from incident.roster_fixture import district, roster_csv

from safesend.detect import RosterHasher, parse_roster_csv
from safesend.incident.contact_columns import extra_cells
from safesend.incident.vault import Contact, Guardian, generate_key, read_contacts
from safesend.roster_import import import_roster_file
from safesend.store.db import transaction

# Awkward rows after the fixture's: quoted line breaks, a duplicate ID, a bad
# row, a name only in one column, two guardians written alike, non-ASCII
AWKWARD = (
    '900001,"Ana\nMaria",Lopez,"North\nCampus",5,504; IEP,"Li, Wei",A@Example.org,'
    "Wei Li,<a@example.org>\n"
    "900001,Dup,Licate,North,5,,,,,\n"
    "900002,Zoë,Ängström,Südschule,K,Zebulon program,Jürgen Å,zoë@exämple.org,,\n"
    "900003,Bad,Email,North,3,,,not-an-email,,\n"
    "900004,Solo,,North,3,,,,,\n"
    "00900005,Kenji,Nakamura,,,ELL,Parent One,k1@example.org,Parent Two,k2@example.org\n"
)


def _two_pass_contacts(data: bytes, secret: bytes) -> dict[str, Contact]:
    """What the vault sealed before: the file parsed again, each ID hashed again."""
    hasher, parsed = RosterHasher(secret), parse_roster_csv(data)
    extras = extra_cells(data, parsed)
    contacts = {}
    for record in parsed.records:
        school, grade, names = extras.get(record.line, ("", "", []))
        ref = hasher.hash_id(record.student_id).hex()
        contacts[ref] = Contact(
            ref=ref, student_id=record.student_id, first_name=record.first_name,
            last_name=record.last_name, school=school, grade=grade,
            plans=tuple(sorted(record.flags)),
            guardians=tuple(Guardian(names[i] if i < len(names) else "", email)
                            for i, email in enumerate(record.guardian_emails)))
    return contacts


def test_the_one_pass_seals_what_the_two_pass_import_sealed(make_app, monkeypatch):
    monkeypatch.setenv("SAFESEND_VAULT_KEY", generate_key())
    services = make_app().extensions["safesend"]
    data = (roster_csv(district(40, 30)) + AWKWARD).encode()
    expected = _two_pass_contacts(data, services.roster_key)
    assert len(expected) == 73
    assert any(c.school == "North Campus" and c.first_name == "Ana\nMaria"  # one guardian twice
               and len(c.guardians) == 1 and c.plans == ("504", "IEP") for c in expected.values())
    with transaction(services.sessions) as session:
        outcome = import_roster_file(session, "default", data, services.roster_key, None, "test")
        found = read_contacts(session, "default", list(expected) + ["0" * 16])
    assert outcome.students == 73
    assert found.state == "ok" and found.unreadable == 0
    assert found.contacts == expected


def test_a_dry_run_or_no_key_seals_nothing(make_app, monkeypatch):
    monkeypatch.setenv("SAFESEND_VAULT_KEY", generate_key())
    services = make_app().extensions["safesend"]
    data = roster_csv(district(5, 5)).encode()
    with transaction(services.sessions) as session:
        import_roster_file(session, "default", data, services.roster_key, None, "test",
                           dry_run=True)
        assert read_contacts(session, "default", ["0" * 16]).state == "empty"
        import_roster_file(session, "default", data, services.roster_key, None, "test")
        refs = list(_two_pass_contacts(data, services.roster_key))
        assert len(read_contacts(session, "default", refs).contacts) == 10
    monkeypatch.setenv("SAFESEND_VAULT_KEY", "not a key")
    with transaction(services.sessions) as session:  # a bad key: imported, old contacts gone
        assert import_roster_file(session, "default", data, services.roster_key, None, "test",
                                  replace=True).students == 10
    monkeypatch.setenv("SAFESEND_VAULT_KEY", generate_key())
    with transaction(services.sessions) as session:
        assert read_contacts(session, "default", refs).state == "empty"
