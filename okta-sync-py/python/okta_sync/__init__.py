"""okta-sync: sync people from Okta into Asset Panda Pro.

The engine is Rust (``okta-sync-core``); this package converts and forwards. A sync reads
Okta, maps people onto target fields, filters who is in scope, and builds a **plan**: a
reviewable, hashed list of actions. Applying a plan writes to the target; destructive
actions come only from complete listings, and a safety brake refuses plans that would
deactivate too many people unless an approval names the plan's hash.

Blocking and asyncio
    Every engine operation exists twice: ``engine.plan()`` blocks (releasing the GIL, so
    other Python threads keep running, and Ctrl-C still works), and ``await
    engine.plan_async()`` is its asyncio twin. One ``SyncEngine`` serves both styles.

Pure functions (no network)
    ``validate_config``, ``load_config``, ``config_schema``, ``map_user``, ``explain``, ``plan_offline`` and ``plan_offline_json``.

A target written in Python
    Pass ``target=obj`` to ``SyncEngine``; ``obj`` needs ``capabilities()``,
    ``holdings(mapping)``, ``lookup(mapping, field, values)`` and ``write(batch)``, and may
    have ``check_connection(config)``. Each may be a plain or an ``async def`` method.
    Values are plain dicts in the core's JSON shapes (see ``docs/`` and the tests).

Logging
    Records go to the ``okta_sync`` logger (``okta_sync.okta_sync_core.*``); nothing is
    printed unless your application configures logging.

Processes
    After ``fork()`` build a new ``SyncEngine`` in the child; the package's async runtime
    is rebuilt there automatically.
"""

import logging

from okta_sync._native import (
    Action,
    HeldBack,
    Plan,
    Report,
    RunOutcome,
    SyncEngine,
    __version__,
    config_schema,
    explain,
    load_config,
    map_user,
    plan_offline,
    plan_offline_json,
    validate_config,
)
from okta_sync.exceptions import (
    ApprovalMismatchError,
    CallbackError,
    ConfigError,
    CredentialError,
    DecodeError,
    IncompleteListingError,
    OktaApiError,
    OktaSyncError,
    RateLimitError,
    SafetyBrakeTripped,
    SecretError,
    StateError,
    TargetError,
    TransportError,
)

logging.getLogger("okta_sync").addHandler(logging.NullHandler())

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
