"""Simulcast offers: the node receives one full-resolution encoding, never the smallest (pure).

A browser that offers simulcast (``a=rid:<id> send`` lines and ``a=simulcast:send q;h;f``,
RFC 8851/8853) and gets an answer without them sends only its *first* encoding, which apps
usually list smallest first (Chrome then sends 160x120). aiortc cannot receive several
encodings on one track, so the answer accepts exactly one: the highest layer, by its
``max-width``/``max-height`` restriction when every layer has one, else by its conventional
name (``f``/``full``/``high`` over ``h``/``mid`` over ``q``/``low``), else the last listed. The
browser then drops the other encodings and sends that one.
"""

from __future__ import annotations

import re

__all__ = ["answer_one_layer", "highest_layers"]

_RANK = {
    "f": 3, "full": 3, "high": 3, "hi": 3, "hd": 3,
    "h": 2, "half": 2, "mid": 2, "m": 2, "medium": 2,
    "q": 1, "quarter": 1, "low": 1, "lo": 1, "l": 1,
}  # fmt: skip
_RID = re.compile(r"^a=rid:(\S+) send(?: (\S+))?$")
_RID_EXTENSION = " urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"


def _sections(sdp: str) -> list[list[str]]:
    sections: list[list[str]] = [[]]
    for line in sdp.splitlines():
        if line.startswith("m="):
            sections.append([])
        sections[-1].append(line)
    return sections


def _pixels(params: str) -> int | None:
    values = dict(p.split("=", 1) for p in params.split(";") if "=" in p)
    try:
        return int(values["max-width"]) * int(values["max-height"])
    except (KeyError, ValueError):
        return None


def _highest(rids: list[str], params: dict[str, str]) -> str:
    sizes = {rid: _pixels(params.get(rid, "")) for rid in rids}
    if all(size is not None for size in sizes.values()):
        return max(rids, key=lambda rid: sizes[rid] or 0)
    if all(rid.lower() in _RANK for rid in rids):
        return max(rids, key=lambda rid: _RANK[rid.lower()])
    return rids[-1]


def highest_layers(offer: str) -> dict[str, str]:
    """Media section id (``a=mid``) -> the rid of the highest simulcast layer it offers."""
    chosen: dict[str, str] = {}
    for section in _sections(offer)[1:]:
        mid = next((line[6:] for line in section if line.startswith("a=mid:")), None)
        params: dict[str, str] = {}
        for line in section:
            match = _RID.match(line)
            if match:
                params[match.group(1)] = match.group(2) or ""
        listed = next((line for line in section if line.startswith("a=simulcast:send ")), None)
        if mid is None or listed is None:
            continue
        # "q;h;~f" or "q,h;f": ';' separates encodings, ',' alternatives, '~' a paused one
        rids = [
            alt.lstrip("~")
            for encoding in listed.split(" ")[1].split(";")
            for alt in encoding.split(",")[:1]
        ]
        rids = [rid for rid in rids if rid in params] or list(params)
        if rids:
            chosen[mid] = _highest(rids, params)
    return chosen


def _extmap_rid(section: list[str]) -> str | None:
    return next((line for line in section if line.endswith(_RID_EXTENSION)), None)


def answer_one_layer(answer: str, offer: str) -> str:
    """``answer`` accepting, in each media section where ``offer`` has simulcast, its highest
    layer (``a=rid:<rid> recv``, ``a=simulcast:recv <rid>`` and the rid header extension, which
    the browser needs to keep the layer)."""
    layers = highest_layers(offer)
    if not layers:
        return answer
    offered = {
        mid: _extmap_rid(section)
        for section in _sections(offer)[1:]
        for mid in [next((x[6:] for x in section if x.startswith("a=mid:")), "")]
    }
    newline = "\r\n" if "\r\n" in answer else "\n"
    out: list[str] = []
    for section in _sections(answer):
        mid = next((line[6:] for line in section if line.startswith("a=mid:")), None)
        out.extend(section)
        rid = layers.get(mid or "")
        if rid is None or section[0].split()[1] == "0":  # no simulcast, or a rejected section
            continue
        extmap = offered.get(mid or "")
        if extmap is not None and _extmap_rid(section) is None:
            out.append(extmap)
        out.extend([f"a=rid:{rid} recv", f"a=simulcast:recv {rid}"])
    return newline.join(out) + newline
