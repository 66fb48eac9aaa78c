# Type stub of the compiled module. `tests/test_typing.py` runs mypy's stubtest against the
# built module, so this file cannot silently drift from it.

import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Literal, Optional, Union, final

from typing_extensions import TypeAlias

__all__ = [
    "Action",
    "ApprovalMismatchError",
    "CallbackError",
    "ConfigError",
    "CredentialError",
    "DecodeError",
    "HeldBack",
    "IncompleteListingError",
    "OktaApiError",
    "OktaSyncError",
    "Plan",
    "RateLimitError",
    "Report",
    "RunOutcome",
    "SafetyBrakeTripped",
    "SecretError",
    "StateError",
    "SyncEngine",
    "TargetError",
    "TransportError",
    "__version__",
    "config_schema",
    "explain",
    "load_config",
    "map_user",
    "plan_offline",
    "plan_offline_json",
    "validate_config",
]

__version__: str

_ConfigSource: TypeAlias = Union[Mapping[str, Any], str, os.PathLike[str]]
"""A configuration: a dict, or a path to a YAML, TOML or JSON file."""
_Mode: TypeAlias = Literal["auto", "full", "delta"]
_Approval: TypeAlias = Union[str, Mapping[str, Any]]
"""A plan hash (``plan.hash``) or an approval dict in the core's JSON shape."""
_SecretSource: TypeAlias = Union[Mapping[str, str], Callable[[str], Optional[str]]]
_ProgressCallback: TypeAlias = Callable[[dict[str, Any]], Union[None, Awaitable[None]]]

class OktaSyncError(Exception):
    code: str

class ConfigError(OktaSyncError):
    problems: list[tuple[str, str]]

class DecodeError(OktaSyncError):
    what: str
    path: str
    detail: str

class OktaApiError(OktaSyncError):
    status: int
    error_code: Optional[str]
    error_summary: Optional[str]
    error_id: Optional[str]
    error_causes: list[str]
    request_id: Optional[str]
    endpoint: str

class CredentialError(OktaApiError):
    hint: str

class RateLimitError(OktaApiError):
    attempts: int

class TransportError(OktaSyncError):
    endpoint: str
    attempts: int
    detail: str

class TargetError(OktaSyncError):
    target: str
    operation: str
    status: Optional[int]
    detail: str

class SafetyBrakeTripped(OktaSyncError):
    plan_hash: str
    reason: str
    counts: dict[str, int]

class ApprovalMismatchError(OktaSyncError):
    approved: str
    actual: str

class IncompleteListingError(OktaSyncError):
    listing: str
    reason: str

class StateError(OktaSyncError):
    operation: str
    detail: str

class SecretError(OktaSyncError):
    name: str
    reason: str

class CallbackError(OktaSyncError):
    name: str
    detail: str

def validate_config(config: _ConfigSource) -> None: ...
def load_config(config: _ConfigSource) -> dict[str, Any]: ...
def config_schema() -> dict[str, Any]: ...
def map_user(config: _ConfigSource, mapping: str, user: Mapping[str, Any]) -> dict[str, Any]: ...
def explain(
    config: _ConfigSource, mapping: str, user: Mapping[str, Any], groups: Sequence[str] = ...
) -> dict[str, Any]: ...
def plan_offline(
    config: _ConfigSource,
    directory: Mapping[str, Any],
    holdings: Optional[Mapping[str, Any]] = None,
    state: Optional[Mapping[str, Any]] = None,
    *,
    capabilities: Optional[Mapping[str, Any]] = None,
    not_found: Optional[Sequence[str]] = None,
    now: Optional[str] = None,
) -> Plan: ...
def plan_offline_json(input: Union[str, bytes]) -> Plan: ...

@final
class Action:
    @property
    def kind(self) -> str: ...
    @property
    def mapping(self) -> str: ...
    @property
    def okta_id(self) -> str: ...
    @property
    def identity(self) -> Optional[str]: ...
    @property
    def reason(self) -> str: ...
    @property
    def details(self) -> dict[str, Any]: ...
    @property
    def is_destructive(self) -> bool: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class HeldBack:
    @property
    def action(self) -> Action: ...
    @property
    def reason(self) -> str: ...

@final
class Plan:
    @property
    def hash(self) -> str: ...
    @property
    def mode(self) -> Literal["full", "delta"]: ...
    @property
    def first_import(self) -> bool: ...
    @property
    def counts(self) -> dict[str, int]: ...
    @property
    def unchanged(self) -> dict[str, int]: ...
    @property
    def in_scope(self) -> dict[str, int]: ...
    @property
    def actions(self) -> list[Action]: ...
    @property
    def held_back(self) -> list[HeldBack]: ...
    @property
    def warnings(self) -> list[dict[str, Any]]: ...
    @property
    def brake(self) -> dict[str, Any]: ...
    @property
    def brake_tripped(self) -> bool: ...
    def is_empty(self) -> bool: ...
    def to_dict(self) -> dict[str, Any]: ...
    def to_json(self, indent: Optional[int] = None) -> str: ...
    @classmethod
    def from_json(cls, text: str) -> Plan: ...
    def __len__(self) -> int: ...

@final
class Report:
    @property
    def plan_hash(self) -> str: ...
    @property
    def mode(self) -> Literal["full", "delta"]: ...
    @property
    def dry_run(self) -> bool: ...
    @property
    def approved(self) -> bool: ...
    @property
    def counts(self) -> dict[str, dict[str, int]]: ...
    @property
    def failures(self) -> list[dict[str, Any]]: ...
    @property
    def manual(self) -> list[Action]: ...
    @property
    def conflicts(self) -> list[Action]: ...
    @property
    def duration_ms(self) -> int: ...
    def summary(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def to_json(self, indent: Optional[int] = None) -> str: ...

@final
class RunOutcome:
    @property
    def plan(self) -> Plan: ...
    @property
    def report(self) -> Report: ...

@final
class SyncEngine:
    def __new__(
        cls,
        config: _ConfigSource,
        *,
        secrets: Optional[_SecretSource] = None,
        target: Optional[object] = None,
        progress: Optional[_ProgressCallback] = None,
    ) -> SyncEngine: ...
    @property
    def config(self) -> dict[str, Any]: ...
    def check_connections(self) -> dict[str, Any]: ...
    def check_connections_async(self) -> Awaitable[dict[str, Any]]: ...
    def plan(self, mode: _Mode = "auto") -> Plan: ...
    def plan_async(self, mode: _Mode = "auto") -> Awaitable[Plan]: ...
    def apply(self, plan: Plan, approval: Optional[_Approval] = None) -> Report: ...
    def apply_async(self, plan: Plan, approval: Optional[_Approval] = None) -> Awaitable[Report]: ...
    def run(self, *, dry_run: bool = False, mode: _Mode = "auto", approval: Optional[_Approval] = None) -> RunOutcome: ...
    def run_async(
        self, *, dry_run: bool = False, mode: _Mode = "auto", approval: Optional[_Approval] = None
    ) -> Awaitable[RunOutcome]: ...
