"""Document service for Vietnamese emulation and commendation work (thi đua, khen thưởng).

The public entry point is :func:`create_app`. Nothing here renders, connects or reads the
environment at import time: all of that happens inside the factory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from flask import Flask

__all__ = ["create_app"]


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask application.

    :param overrides: configuration values that win over the environment and the defaults
        (tests pass temporary directories here).
    """
    from service.app import build_app

    return build_app(overrides)
