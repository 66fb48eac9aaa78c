"""Helpers the native module uses when it calls your Python code (not public API)."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable


async def _await(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def run_awaitable(awaitable: Awaitable[Any]) -> Any:
    """Runs an awaitable to completion on a private event loop.

    Used when an ``async def`` target method is called during a *blocking* engine call,
    where no event loop of yours is running.
    """
    return asyncio.run(_await(awaitable))


def schedule(awaitable: Awaitable[Any], loop: asyncio.AbstractEventLoop) -> None:
    """Schedules an awaitable on ``loop`` without waiting (async progress callbacks)."""
    asyncio.run_coroutine_threadsafe(_await(awaitable), loop)
