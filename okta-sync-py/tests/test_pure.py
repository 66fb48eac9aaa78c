"""The pure functions: no network, no state."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

import okta_sync
from conftest import load_fixture


def test_valid_config_passes(offline_config: dict[str, Any]) -> None:
    okta_sync.validate_config(offline_config)  # raises on any problem


def test_every_problem_is_reported_with_its_path(offline_config: dict[str, Any]) -> None:
    config = copy.deepcopy(offline_config)
    config["okta"]["rate_limit_share"] = 3.0  # must be within (0, 1]
    config["mappings"].append(copy.deepcopy(config["mappings"][0]))  # duplicate name
    with pytest.raises(okta_sync.ConfigError) as caught:
        okta_sync.validate_config(config)
    err = caught.value
    assert err.code == "CONFIG_INVALID"
    paths = [path for path, _message in err.problems]
    assert len(paths) >= 2, err.problems
    assert any(p.startswith("okta.rate_limit_share") for p in paths), paths
    assert any(p.startswith("mappings[1]") for p in paths), paths
    assert all(isinstance(m, str) and m for _p, m in err.problems)
    assert isinstance(err, okta_sync.OktaSyncError)


def test_unknown_key_is_a_config_error_naming_it(offline_config: dict[str, Any]) -> None:
    config = copy.deepcopy(offline_config)
    config["okta"]["tokn"] = config["okta"].pop("token")
    with pytest.raises(okta_sync.ConfigError) as caught:
        okta_sync.validate_config(config)
    assert "tokn" in str(caught.value)
    assert caught.value.problems


def test_config_of_the_wrong_type_is_rejected_clearly() -> None:
    with pytest.raises(okta_sync.ConfigError, match="expected a dict or a path"):
        okta_sync.validate_config(42)  # type: ignore[arg-type]


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(okta_sync.ConfigError) as caught:
        okta_sync.load_config(tmp_path / "nope.yaml")
    assert "nope.yaml" in str(caught.value)


def test_load_config_from_yaml_json_and_toml_files(tmp_path: Path) -> None:
    yaml_text = """
okta:
  org_url: https://acme.okta.com
  token: { env: OKTA_API_TOKEN }
target: { kind: local, path: assets.db }
unique_identifier: email
mappings:
  - kind: record
    name: people
    collection: People
    fields:
      - { target: Email, source: profile.email }
"""
    (tmp_path / "c.yaml").write_text(yaml_text)
    from_yaml = okta_sync.load_config(tmp_path / "c.yaml")  # os.PathLike
    (tmp_path / "c.json").write_text(json.dumps(from_yaml))
    from_json = okta_sync.load_config(str(tmp_path / "c.json"))  # str path
    assert from_json == from_yaml
    # Defaults are filled in, as documented on the configuration types.
    assert from_yaml["reconcile_every_days"] == 7
    assert from_yaml["okta"]["page_size"] == 200
    assert from_yaml["okta"]["rate_limit_share"] == 0.5
    assert from_yaml["mappings"][0]["okta_id_field"] == "Okta ID"

    toml_text = """
unique_identifier = "email"
[okta]
org_url = "https://acme.okta.com"
token = { env = "OKTA_API_TOKEN" }
[target]
kind = "local"
path = "assets.db"
[[mappings]]
kind = "record"
name = "people"
collection = "People"
fields = [{ target = "Email", source = "profile.email" }]
"""
    (tmp_path / "c.toml").write_text(toml_text)
    assert okta_sync.load_config(tmp_path / "c.toml") == from_yaml


def test_map_user_gives_fields(offline_config: dict[str, Any]) -> None:
    user = load_fixture("user-single.json")
    mapped = okta_sync.map_user(offline_config, "employees", user)
    assert mapped == {
        "fields": {
            "Email": "isaac.brock@example.com",
            "Name": "Isaac Brock",
            "Department": "Engineering",
        },
        "problems": [],
    }


def test_map_user_reports_a_missing_required_value(offline_config: dict[str, Any]) -> None:
    user = load_fixture("user-single.json")
    del user["profile"]["email"]
    mapped = okta_sync.map_user(offline_config, "employees", user)
    assert "Email" not in mapped["fields"]
    assert [p["field"] for p in mapped["problems"]] == ["Email"]


def test_map_user_with_an_unknown_mapping_lists_the_known_ones(offline_config: dict[str, Any]) -> None:
    with pytest.raises(okta_sync.ConfigError, match="employees"):
        okta_sync.map_user(offline_config, "contractors", load_fixture("user-single.json"))


def test_a_user_without_id_is_a_decode_error_naming_the_field(offline_config: dict[str, Any]) -> None:
    user = load_fixture("user-single.json")
    del user["id"]
    with pytest.raises(okta_sync.DecodeError) as caught:
        okta_sync.map_user(offline_config, "employees", user)
    assert caught.value.code == "DECODE"
    assert "id" in caught.value.path or "id" in caught.value.detail


def department_config(config: dict[str, Any]) -> dict[str, Any]:
    config = copy.deepcopy(config)
    config["mappings"][0]["filters"] = {"department": ["engineering"], "status": ["ACTIVE"]}
    return config


def test_explain_admits_and_says_why(offline_config: dict[str, Any]) -> None:
    # "Engineering" matches "engineering": departments compare trimmed and case-insensitively
    # by default; the fixture user is ACTIVE.
    result = okta_sync.explain(department_config(offline_config), "employees", load_fixture("user-single.json"))
    assert result["admitted"] is True
    assert {c["filter"] for c in result["checks"]} == {"department", "status"}
    assert all(c["passed"] for c in result["checks"])


def test_explain_excludes_by_department(offline_config: dict[str, Any]) -> None:
    sales = load_fixture("synthetic-users-list-all-statuses.json")[1]
    assert sales["profile"]["department"] == "Sales"
    result = okta_sync.explain(department_config(offline_config), "employees", sales)
    assert result["admitted"] is False
    failed = [c for c in result["checks"] if not c["passed"]]
    assert [c["filter"] for c in failed] == ["department"]
    assert failed[0]["reason"]


def test_explain_uses_the_groups_given(offline_config: dict[str, Any]) -> None:
    config = copy.deepcopy(offline_config)
    config["mappings"][0]["filters"] = {"groups": ["Asset Managers"]}
    user = load_fixture("user-single.json")
    assert okta_sync.explain(config, "employees", user, ["Asset Managers"])["admitted"] is True
    assert okta_sync.explain(config, "employees", user, ["Everyone"])["admitted"] is False
    assert okta_sync.explain(config, "employees", user)["admitted"] is False


def test_config_schema_describes_the_top_level_keys() -> None:
    schema = okta_sync.config_schema()
    assert {"okta", "target", "unique_identifier", "mappings"} <= set(schema["properties"])
    assert set(schema["required"]) >= {"okta", "target", "unique_identifier", "mappings"}
