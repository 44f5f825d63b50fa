"""build_directory: the policy's `directory` section, validated, with errors
that name the key and say why."""

from __future__ import annotations

import json
import re

import pytest

from safesend.directory import Directory, DirectoryConfigError, MemoryCache, RedisCache, build_directory
from safesend.directory.ews import EwsBackend
from safesend.directory.google import GoogleBackend
from safesend.directory.graph import GraphBackend
from safesend.directory.static import StaticBackend

STATIC = [{"type": "static", "path": "lists.yaml"}]
TENANT = "6f1c2e0a-5b7d-4c1e-9a42-0d8f3b2c7e11"
CLIENT = "3e9a7c51-2d4b-4f08-8c6e-71b5a0d2f934"


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("SAFESEND_GRAPH_SECRET", "graph-secret")
    monkeypatch.setenv("SAFESEND_EWS_PASSWORD", "ews-password")
    monkeypatch.delenv("SAFESEND_UNSET", raising=False)


@pytest.fixture
def files(tmp_path, service_account_info):
    (tmp_path / "lists.yaml").write_text("all-parents@district.org: {members: 2000, external: 1850}\n")
    (tmp_path / "google-key.json").write_text(json.dumps(service_account_info))
    return tmp_path


def full_config() -> dict:
    return {
        "budget_seconds": 0.4, "ttl_seconds": 1800, "negative_ttl_seconds": 300,
        "backends": [
            {"type": "static", "path": "lists.yaml"},
            {"type": "graph", "tenant_id": TENANT, "client_id": CLIENT,
             "client_secret_env": "SAFESEND_GRAPH_SECRET", "domains": ["district.org"]},
            {"type": "ews", "service_endpoint": "https://mail.district.org/EWS/Exchange.asmx",
             "username": "DISTRICT\\svc-safesend", "password_env": "SAFESEND_EWS_PASSWORD"},
            {"type": "google", "service_account_file": "google-key.json",
             "delegated_admin": "it@district.org"},
        ],
    }


def test_every_backend_type_builds(env, files):
    directory = build_directory(full_config(), base_dir=files)
    try:
        assert isinstance(directory, Directory)
        kinds = [type(b) for b in directory.backends]
        assert kinds == [StaticBackend, GraphBackend, EwsBackend, GoogleBackend]
        assert [b.name for b in directory.backends] == ["static", "graph", "ews", "google"]
        timings = (directory.budget_seconds, directory.ttl_seconds, directory.negative_ttl_seconds)
        assert timings == (0.4, 1800, 300)
        assert isinstance(directory.cache, MemoryCache)
        graph = directory.backends[1]
        assert graph.authority == f"https://login.microsoftonline.com/{TENANT}"
        assert graph.scope == "https://graph.microsoft.com/.default"
        assert graph.domains == frozenset({"district.org"})
        result = directory.resolve(["all-parents@district.org"], frozenset({"district.org"}))
        assert result["all-parents@district.org"].member_count == 2000
    finally:
        directory.close()


def test_national_cloud_hosts_are_configurable(env):
    directory = build_directory({"backends": [{
        "type": "graph", "tenant_id": TENANT, "client_id": CLIENT,
        "client_secret_env": "SAFESEND_GRAPH_SECRET", "authority_host": "https://login.microsoftonline.us",
        "graph_base_url": "https://graph.microsoft.us/v1.0/"}]})

    graph = directory.backends[0]
    assert graph.authority == f"https://login.microsoftonline.us/{TENANT}"
    assert graph.graph_base_url == "https://graph.microsoft.us/v1.0"
    assert graph.scope == "https://graph.microsoft.us/.default"


def test_a_redis_url_gives_a_shared_cache(env, files):
    directory = build_directory({"backends": STATIC},
                                redis_url="redis://127.0.0.1:6379/0", base_dir=files)

    assert isinstance(directory.cache, RedisCache)
    assert directory.cache.prefix == "safesend:directory:"


@pytest.mark.parametrize("config", [None, {}, {"backends": []},
                                    {"enabled": False, "backends": [{"type": "x"}]}])
def test_no_directory_when_none_is_configured(config):
    assert build_directory(config) is None


@pytest.mark.parametrize("config, key, why", [
    ({"budget_seconds": 1}, "directory.backends", "is required"),
    ({"backends": {"type": "static"}}, "directory.backends", "must be a list"),
    ({"backends": STATIC, "ttl": 5}, "directory.ttl",
     "unknown setting"),
    ({"backends": STATIC, "budget_seconds": -1}, "directory.budget_seconds",
     "at least 0"),
    ({"backends": STATIC, "ttl_seconds": "1h"}, "directory.ttl_seconds",
     "must be a number"),
    ({"backends": STATIC, "negative_ttl_seconds": 0},
     "directory.negative_ttl_seconds", "at least 1"),
    ({"backends": STATIC, "redis_url": "localhost:6379"}, "directory.redis_url",
     "must start with redis://"),
    ({"backends": ["graph"]}, "directory.backends[0]", "must be a mapping"),
    ({"backends": [{"path": "lists.yaml"}]}, "directory.backends[0].type", "is required"),
    ({"backends": [{"type": "ldap"}]}, "directory.backends[0].type", "not a directory type"),
    ({"backends": [{"type": "static"}]}, "directory.backends[0].path", "give either path"),
    ({"backends": [{"type": "static", "path": "missing.yaml"}]}, "directory.backends[0].path", "cannot read"),
    ({"backends": [{"type": "static", "path": "lists.txt"}]}, "directory.backends[0].path",
     "must be a .yaml"),
    ({"backends": [{"type": "static", "lists": {"x@district.org": "many"}}]}, "directory.backends[0].lists",
     "whole number"),
    ({"backends": [{"type": "static", "path": "lists.yaml"}, {"type": "static", "lists": {}}]},
     "directory.backends[1].name", "already the name of backends[0]"),
    ({"backends": [{"type": "graph", "client_id": CLIENT, "client_secret_env": "SAFESEND_GRAPH_SECRET"}]},
     "directory.backends[0].tenant_id", "is required"),
    ({"backends": [{"type": "graph", "tenant_id": TENANT, "client_id": CLIENT}]},
     "directory.backends[0].client_secret_env", "give exactly one of"),
    ({"backends": [{"type": "graph", "tenant_id": TENANT, "client_id": CLIENT, "client_secret": "abc~123"}]},
     "directory.backends[0].client_secret", "do not put the secret in the policy"),
    ({"backends": [{"type": "graph", "tenant_id": TENANT, "client_id": CLIENT,
                    "client_secret_env": "SAFESEND_UNSET"}]},
     "directory.backends[0].client_secret_env", "SAFESEND_UNSET is not set"),
    ({"backends": [{"type": "graph", "tenant_id": TENANT, "client_id": CLIENT,
                    "client_secret_env": "abc~123.xyz"}]},
     "directory.backends[0].client_secret_env", "name of an environment variable"),
    ({"backends": [{"type": "graph", "tenant_id": TENANT, "client_id": CLIENT,
                    "client_secret_env": "SAFESEND_GRAPH_SECRET", "certificate_path": "cert.pem"}]},
     "directory.backends[0].client_secret_env", "give exactly one of"),
    ({"backends": [{"type": "graph", "tenant_id": TENANT, "client_id": CLIENT,
                    "certificate_path": "nowhere.pem"}]},
     "directory.backends[0].certificate_path", "not a readable file"),
    ({"backends": [{"type": "graph", "tenant_id": TENANT, "client_id": CLIENT,
                    "client_secret_env": "SAFESEND_GRAPH_SECRET", "graph_base_url": "graph.microsoft.com"}]},
     "directory.backends[0].graph_base_url", "must be an http"),
    ({"backends": [{"type": "graph", "tenant_id": TENANT, "client_id": CLIENT,
                    "client_secret_env": "SAFESEND_GRAPH_SECRET", "domains": ["district"]}]},
     "directory.backends[0].domains", "not a domain name"),
    ({"backends": [{"type": "graph", "tenant_id": TENANT, "client_id": CLIENT,
                    "client_secret_env": "SAFESEND_GRAPH_SECRET", "timeout_seconds": 0}]},
     "directory.backends[0].timeout_seconds", "more than 0"),
    ({"backends": [{"type": "graph", "tenant_id": TENANT, "client_id": CLIENT,
                    "client_secret_env": "SAFESEND_GRAPH_SECRET", "max_retries": 2.5}]},
     "directory.backends[0].max_retries", "whole number"),
])
def test_bad_settings_name_the_key_and_why(env, files, config, key, why):
    with pytest.raises(DirectoryConfigError, match=re.escape(why)) as caught:
        build_directory(config, base_dir=files)
    assert caught.value.key == key
    assert str(caught.value).startswith(key + ": ")


def test_a_pasted_secret_is_not_repeated_in_the_error(env):
    with pytest.raises(DirectoryConfigError) as caught:
        build_directory({"backends": [{"type": "graph", "tenant_id": TENANT, "client_id": CLIENT,
                                       "client_secret_env": "Qx8~pasted.secret.value"}]})
    assert "Qx8~pasted" not in str(caught.value)
