"""okta-sync: sync people from Okta into Asset Panda Pro."""

import logging

from okta_sync._native import __version__
from okta_sync.exceptions import *  # noqa: F403
from okta_sync.exceptions import __all__ as _exceptions_all

logging.getLogger("okta_sync").addHandler(logging.NullHandler())

__all__ = ["__version__", *_exceptions_all]
