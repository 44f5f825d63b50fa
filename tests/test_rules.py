"""Each recipient rule at and around its thresholds, through the engine."""

import pytest

from messages import DISTRICT, message, parents, staff
from safesend.engine import check
from safesend.facts import CheckContext
from safesend.message import Recipient
from safesend.policy import parse_policy

POLICY = parse_policy({"internal_domains": [DISTRICT]})


def findings(verdict, rule):
    return [f for f in verdict.findings if f.rule == rule]


@pytest.mark.parametrize("count,expected", [(9, "allow"), (10, "warn"), (40, "warn")])
def test_visible_recipients_threshold(count, expected):
    verdict = check(message(to=parents(count)), POLICY)
    assert verdict.action == expected
    if expected != "allow":
        (finding,) = findings(verdict, "visible_recipients")
        assert finding.count == count
        assert finding.fixes == ["move_to_bcc"]
        assert all("***@" in e for e in finding.evidence)


def test_sensitive_topic_escalates_to_confirm():
    verdict = check(message(to=parents(40), subject="504 plan meetings"), POLICY)
    (finding,) = findings(verdict, "visible_recipients")
    assert finding.action == "confirm"
    assert "sensitive topic" in finding.detail and "504 plan" in finding.detail


def test_topic_terms_resist_evasion_and_need_whole_words():
    assert check(message(to=parents(12), body="Your child's I\u200bEP review"), POLICY).action == "confirm"
    assert check(message(to=parents(12), body="Section\u00a0５０４ notice"), POLICY).action == "confirm"
    assert check(message(to=parents(12), body="Meet in room 1504 at the RECIPE fair"),
                 POLICY).action == "warn"


def test_bcc_never_counts_as_visible():
    verdict = check(message(bcc=parents(40), subject="504 plan meetings"), POLICY)
    assert findings(verdict, "visible_recipients") == []
    assert verdict.action == "allow"


def test_cc_counts_and_internal_addresses_do_not():
    verdict = check(message(to=staff(30), cc=parents(10)), POLICY)
    (finding,) = findings(verdict, "visible_recipients")
    assert finding.count == 10


def test_subdomain_is_internal_and_plus_tags_dedupe():
    to = [f"s{i}@mail.{DISTRICT}" for i in range(20)] + ["p1@gmail.com", "P1+x@gmail.com"]
    verdict = check(message(to=to), POLICY)
    assert findings(verdict, "visible_recipients") == []


def test_sender_domain_is_internal_when_none_configured():
    verdict = check(message(to=[f"x{i}@school.org" for i in range(20)],
                            sender="t@school.org"), parse_policy({}))
    assert verdict.action == "allow"


def test_display_name_only_recipients_count_as_outside():
    named = [Recipient(address="", name=f"Family {i}") for i in range(10)]
    verdict = check(message(to=named), POLICY)
    assert findings(verdict, "visible_recipients")[0].count == 10


@pytest.mark.parametrize("count,expected", [(99, "allow"), (100, "warn"), (999, "warn"),
                                            (1000, "confirm")])
def test_audience_size_thresholds(count, expected):
    verdict = check(message(bcc=parents(count)), POLICY)
    assert verdict.action == expected
    if expected != "allow":
        assert findings(verdict, "audience_size")[0].count == count


def test_audience_counts_known_list_sizes():
    group = Recipient(address=f"all-parents@{DISTRICT}", is_group=True, group_size=2000)
    verdict = check(message(to=[group]), POLICY)
    (finding,) = findings(verdict, "audience_size")
    assert finding.count == 2000 and finding.action == "confirm"
    assert "all-parents@" in finding.detail


def test_unknown_list_size_is_flagged():
    group = Recipient(address=f"all-staff@{DISTRICT}", is_group=True)
    verdict = check(message(to=[group]), POLICY)
    (finding,) = findings(verdict, "audience_size")
    assert finding.action == "allow"
    assert "unknown" in finding.detail and finding.title.startswith("This message goes to at least")


def test_directory_seam_expands_lists_and_counts_external_members():
    class Info:
        def __init__(self, members, external):
            self.is_group, self.member_count, self.external_count, self.error = (
                True, members, external, None)

    def resolve(addresses, internal):
        return {a: Info(2000, 15) for a in addresses if a.startswith("all-parents@")}

    context = CheckContext(resolve_groups=resolve)
    verdict = check(message(to=[f"all-parents@{DISTRICT}"]), POLICY, context)
    assert findings(verdict, "audience_size")[0].count == 2000
    visible = findings(verdict, "visible_recipients")[0]
    assert visible.count == 15 and "reply to everyone" in visible.detail


def test_reply_all_has_its_own_wording():
    verdict = check(message(bcc=parents(150), is_reply=True), POLICY)
    assert findings(verdict, "audience_size")[0].title.startswith("You are replying to all 150")


def test_external_recipients_off_by_default_and_on_when_configured():
    assert check(message(to=parents(1)), POLICY).action == "allow"
    policy = parse_policy({"internal_domains": [DISTRICT],
                           "rules": {"external_recipients": {"enabled": True}}})
    verdict = check(message(to=parents(1), bcc=parents(2, start=5)), policy)
    (finding,) = findings(verdict, "external_recipients")
    assert finding.action == "warn" and finding.count == 3


def test_verdict_is_the_strongest_finding_and_audit_mode_hides():
    policy = parse_policy({"internal_domains": [DISTRICT],
                           "rules": {"visible_recipients": {"mode": "audit"}}})
    verdict = check(message(to=parents(150), subject="IEP"), policy)
    assert [f.rule for f in verdict.findings] == ["audience_size"]
    assert verdict.action == "warn"
    assert verdict.audit_action == "confirm"
    assert "visible_recipients" not in str(verdict.to_json())


def test_disabled_rule_gives_nothing():
    policy = parse_policy({"internal_domains": [DISTRICT],
                           "rules": {"visible_recipients": {"enabled": False}}})
    assert check(message(to=parents(40), subject="504"), policy).action == "allow"


def test_verdict_json_matches_the_contract():
    data = check(message(to=parents(40), subject="504 plan"), POLICY).to_json()
    assert set(data) == {"check_id", "action", "policy_version", "students_matched", "findings"}
    assert set(data["findings"][0]) >= {"rule", "action", "title", "detail", "count",
                                        "evidence", "fixes"}



def test_an_unscannable_pasted_picture_is_named_as_one():
    """The picture pasted into the body is not an attachment to the sender: the finding
    says so, as student_data's findings do; an attached file keeps its usual wording."""
    from safesend.content import ContentReport
    from safesend.detect import ContentDetections
    from safesend.extract import Unscannable
    from safesend.message import Attachment

    picture = Attachment("image001.png", "image/png", b"\x89PNG", inline=True)
    sheet = Attachment("roster.xlsx", "application/vnd.ms-excel", b"PK")

    def finding(attachments, problems):
        report = ContentReport(ContentDetections(sources=()), problems,
                               tuple(a.name for a in attachments))
        context = CheckContext(scan_content=lambda *_: report)
        verdict = check(message(to=parents(1), attachments=tuple(attachments)), parse_policy({}),
                        context)
        (found,) = [f for f in verdict.findings if f.rule == "unscannable_attachment"]
        return found

    damaged = "it is damaged or not a valid PNG picture"
    only = finding([picture], [Unscannable("image001.png", damaged)])
    assert only.title == "SafeSend could not check the picture pasted into the body"
    assert only.detail.startswith(f"The picture pasted into the body (image001.png) could not be "
                                  f"checked: {damaged}. Nobody has checked")
    both = finding([sheet, picture], [Unscannable("roster.xlsx", "it is password-protected"),
                                      Unscannable("image001.png", damaged)])
    assert both.title == "SafeSend could not check 2 files"
    assert both.detail.startswith("roster.xlsx: it is password-protected; the picture pasted into "
                                  "the body (image001.png) could not be checked:")
