"""Strip a participant's own addresses from an offer before ICE sees it (pure).

With relay-only ICE the node only ever talks to TURN relays, so a participant's host and
server-reflexive candidates are useless to it and are personal data (Art. 5(1)(c)): they are
dropped before aiortc parses the offer, and so are the addresses an offer repeats elsewhere
(``c=`` and ``a=rtcp:`` lines, a relay candidate's ``raddr``/``rport``). What remains names
TURN servers only.
"""

from __future__ import annotations

import re

__all__ = ["relay_only_offer"]

_RADDR = re.compile(r" raddr \S+ rport \d+")


def _unspecified(line: str, prefix: str) -> str:
    """``c=IN IP4 x`` / ``a=rtcp:9 IN IP6 x`` with the address replaced by the unspecified one."""
    body = line[len(prefix) :]
    fields = body.split()
    if "IP6" in fields:
        fields[-1] = "::"
    elif "IP4" in fields:
        fields[-1] = "0.0.0.0"  # noqa: S104 - an SDP placeholder, nothing binds to it
    return prefix + " ".join(fields)


def relay_only_offer(sdp: str) -> str:
    """``sdp`` with only relay candidates, their related address zeroed, and no other address."""
    newline = "\r\n" if "\r\n" in sdp else "\n"
    kept = []
    for line in sdp.splitlines():
        if line.startswith("a=candidate:"):
            if " typ relay" not in line:
                continue
            line = _RADDR.sub(" raddr 0.0.0.0 rport 0", line)
        elif line.startswith("c="):
            line = _unspecified(line, "c=")
        elif line.startswith("a=rtcp:"):
            line = _unspecified(line, "a=rtcp:")
        kept.append(line)
    return newline.join(kept) + newline
