"""Helpers the native module uses when it calls your Python code (not public API)."""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import Any, Awaitable


async def _await(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def run_awaitable(awaitable: Awaitable[Any]) -> Any:
    """Runs an awaitable to completion on a private event loop.

    Used when an ``async def`` target method is called during a *blocking* engine call.
    If that blocking call was made from inside a coroutine, this thread's loop is busy
    waiting for it, so the awaitable runs on a short-lived thread of its own instead.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_await(awaitable))
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _await(awaitable)).result()


def schedule(awaitable: Awaitable[Any], loop: asyncio.AbstractEventLoop) -> None:
    """Schedules an awaitable on ``loop`` without waiting (async progress callbacks)."""
    asyncio.run_coroutine_threadsafe(_await(awaitable), loop)
