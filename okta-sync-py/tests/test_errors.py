"""The exception hierarchy: classes, attributes, pickling."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

import okta_sync
from okta_sync import exceptions


def test_hierarchy() -> None:
    assert issubclass(okta_sync.OktaSyncError, Exception)
    for name in exceptions.__all__:
        cls = getattr(exceptions, name)
        assert issubclass(cls, okta_sync.OktaSyncError), name
        assert cls.__module__ == "okta_sync", name
        assert getattr(okta_sync, name) is cls
    assert issubclass(okta_sync.CredentialError, okta_sync.OktaApiError)
    assert issubclass(okta_sync.RateLimitError, okta_sync.OktaApiError)
    assert not issubclass(okta_sync.TargetError, okta_sync.OktaApiError)


def config_error(config: dict[str, Any]) -> okta_sync.ConfigError:
    broken = copy.deepcopy(config)
    broken["okta"]["rate_limit_share"] = 3.0
    broken["mappings"] = []
    with pytest.raises(okta_sync.ConfigError) as caught:
        okta_sync.validate_config(broken)
    return caught.value


def test_config_error_pickles_with_its_attributes(offline_config: dict[str, Any]) -> None:
    err = config_error(offline_config)
    assert len(err.problems) >= 2
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is okta_sync.ConfigError
    assert clone.problems == err.problems
    assert clone.code == err.code == "CONFIG_INVALID"
    assert str(clone) == str(err)


def test_decode_error_pickles(offline_config: dict[str, Any]) -> None:
    with pytest.raises(okta_sync.DecodeError) as caught:
        okta_sync.map_user(offline_config, "employees", {"status": "ACTIVE", "profile": {}})
    clone = pickle.loads(pickle.dumps(caught.value))
    assert (clone.code, clone.what, clone.path, clone.detail) == (
        caught.value.code,
        caught.value.what,
        caught.value.path,
        caught.value.detail,
    )


def test_every_error_can_be_caught_as_the_base(offline_config: dict[str, Any]) -> None:
    with pytest.raises(okta_sync.OktaSyncError) as caught:
        okta_sync.validate_config({"okta": {}})
    assert caught.value.code.startswith("CONFIG")
