import pytest

from safesend.policy import PolicyError, load_policy_file, parse_policy, parse_policy_yaml


def test_defaults_are_safe():
    policy = parse_policy({})
    assert policy.rules.visible_recipients.warn_at == 10
    assert policy.rules.audience_size.warn_at == 100
    assert policy.rules.audience_size.confirm_at == 1000
    assert policy.rules.external_recipients.enabled is False
    assert "section 504" in policy.sensitive_topics


def test_errors_name_the_key_and_why():
    with pytest.raises(PolicyError) as info:
        parse_policy({"rules": {"visible_recipients": {"warn_at": "ten", "colour": "red"}},
                      "internal_domains": ["not a domain"]})
    keys = dict(info.value.errors)
    assert "integer" in keys["rules.visible_recipients.warn_at"]
    assert keys["rules.visible_recipients.colour"] == "unknown setting"
    assert "not a domain name" in keys["internal_domains"]


def test_thresholds_must_ascend():
    with pytest.raises(PolicyError) as info:
        parse_policy({"rules": {"audience_size": {"warn_at": 500, "confirm_at": 100}}})
    assert "confirm_at (100) must not be below warn_at (500)" in str(info.value)


def test_threshold_levels():
    rule = parse_policy({"rules": {"audience_size": {"warn_at": 10, "confirm_at": 20,
                                                     "block_at": 30}}}).rules.audience_size
    assert [rule.action_for(n) for n in (9, 10, 19, 20, 29, 30)] == [
        "allow", "warn", "warn", "confirm", "confirm", "block"]


def test_domains_are_normalized():
    policy = parse_policy({"internal_domains": ["@District.ORG.", "district.org"]})
    assert policy.internal_domains == ["district.org"]
    assert policy.internal_domain_set("x.org") == {"district.org"}
    assert parse_policy({}).internal_domain_set("school.org") == {"school.org"}


def test_yaml_errors(tmp_path):
    with pytest.raises(PolicyError) as info:
        parse_policy_yaml("rules: [unclosed")
    assert "not valid YAML" in str(info.value)
    with pytest.raises(PolicyError):
        parse_policy_yaml("- a list\n- not a mapping\n")
    with pytest.raises(PolicyError) as info:
        load_policy_file(tmp_path / "missing.yaml")
    assert "cannot read" in str(info.value)


def test_document_round_trip():
    policy = parse_policy({"internal_domains": ["district.org"]}, version=3)
    again = parse_policy(policy.document(), version=4)
    assert again.document() == policy.document()
    assert again.version == 4


def test_yaml_number_keys_are_category_names():
    policy = parse_policy_yaml("detection:\n  sensitive_terms:\n    504: [section 504]\n")
    assert policy.detection.sensitive_terms == {"504": ["section 504"]}


def test_a_term_too_long_to_be_a_phrase_is_refused_with_its_key(client, auth):
    """A sensitive term or context word of 1,000 characters crashed every check (the phrase
    matcher's build recursed once per character); the policy now refuses it, naming the key."""
    long = "a" * 1000
    for section in ({"sensitive_terms": {"504": ["504 plan", long]}},
                    {"id_patterns": [{"name": "id", "regex": r"\d{8}", "context_words": [long]}]}):
        with pytest.raises(PolicyError) as info:
            parse_policy({"detection": section})
        assert "at most 100 characters" in str(info.value)
        reply = client.put("/api/v1/policy", json={"detection": section}, headers=auth["it"])
        assert reply.status_code == 400
        assert "at most 100 characters" in reply.get_data(as_text=True)
        assert long not in reply.get_data(as_text=True)
    # Every default term fits.
    parse_policy({"detection": {"sensitive_terms": parse_policy({}).detection.sensitive_terms}})
