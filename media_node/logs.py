"""What the node logs, and what it never does: no participant or caller addresses.

The API's request log names the request, status, size and time, never the caller's address
(aiohttp's default format starts with it). ICE addresses cannot reach the logs with relay-only
ICE (participants' own candidates are dropped from their offers, media_node.sdp_filter); aioice
still logs at WARNING only unless debugging, as its candidate-pair lines are noisy.
"""

from __future__ import annotations

import logging

__all__ = ["ACCESS_LOG_FORMAT", "configure_logging"]

ACCESS_LOG_FORMAT = '"%r" %s %b %Tfs'
"""aiohttp access-log format without ``%a`` (remote address) or ``%{User-Agent}i``."""

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=_LEVELS[level], format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    if level != "debug":
        logging.getLogger("aioice").setLevel(logging.WARNING)
