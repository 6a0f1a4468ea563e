"""Which address ranges count as "the world".

A range counts as the world when it is public and at least as wide as a /8 (IPv4) or a /16
(IPv6): ``0.0.0.0/0`` split into ``0.0.0.0/1`` and ``128.0.0.0/1`` is still the whole internet,
and AWS itself treats IPv4 ranges wider than a /8 as public (S3 Block Public Access, IAM Access
Analyzer). A text that is not a range at all counts as the world too: what cannot be read
cannot be shown to be narrow.
"""

from __future__ import annotations

import functools
import ipaddress

__all__ = ["is_world"]

_WIDEST_NARROW = {4: 8, 6: 16}


@functools.lru_cache(maxsize=4096)  # an estate repeats a few ranges on thousands of rules
def is_world(cidr: str) -> bool:
    try:
        network = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        return True
    if network.is_private and network.prefixlen > 0:
        return False
    return network.prefixlen <= _WIDEST_NARROW[network.version]
