"""Shared pieces of the bundle's HTML pages: one self-contained page shell (no scripts, no
external resources) and horizontal stacked bars drawn with inline SVG."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

__all__ = ["COLOURS", "bars", "page", "e"]

COLOURS: dict[str, str] = {
    "pass": "#2e8b57",
    "implemented": "#2e8b57",
    "holds": "#2e8b57",
    "passed": "#2e8b57",
    "attested": "#6a9fd8",
    "waived": "#c9a227",
    "manual": "#8aa1bd",
    "open": "#8aa1bd",
    "not-assessed": "#b9b9b9",
    "not evidenced": "#b9b9b9",
    "not-applicable": "#dddddd",
    "skipped": "#b9b9b9",
    "fail": "#c62828",
    "failing": "#c62828",
    "failed": "#c62828",
    "error": "#7a0e96",
}

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1d2330;max-width:1200px}
h1{margin:0 0 .3rem}h2{margin-top:1.8rem;border-bottom:1px solid #dde;padding-bottom:.2rem}
.meta{color:#556}.verdict{font-size:1.35rem;font-weight:700;padding:.7rem 1rem;border-radius:8px;margin:1rem 0}
.verdict.bad{background:#fdecea;color:#8e1b12;border:2px solid #c62828}
.verdict.good{background:#e8f5ec;color:#14532d;border:2px solid #2e8b57}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border-bottom:1px solid #e4e6ee;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f7f8fb}.mono{font-family:ui-monospace,monospace;font-size:12px;color:#445;word-break:break-all}
.st{font-weight:600;white-space:nowrap}.st div{white-space:normal;font-weight:400;min-width:11rem}
td{overflow-wrap:anywhere}.fix{margin-top:.25rem;color:#234}.fix b{color:#0b3d91}
details{margin:.6rem 0}summary{cursor:pointer;font-weight:600}
.legend span{display:inline-block;margin-right:1rem}.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}
svg.bars text{font:12px system-ui,sans-serif;fill:#1d2330}
"""


def e(value: object) -> str:
    return escape(str(value))


def page(title: str, body: str) -> bytes:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width">'
        f"<title>{e(title)}</title><style>{_CSS}</style></head><body>\n{body}\n</body></html>\n"
    ).encode()


def bars(
    title: str,
    rows: Sequence[tuple[str, str, Mapping[str, int]]],
    statuses: Sequence[str],
    chart_id: str,
) -> str:
    """One labelled, stacked horizontal bar per ``(label, caption, counts)``, as inline SVG."""
    label_w, bar_w, row_h = 330, 520, 22
    height = row_h * len(rows) + 10
    parts = [
        f'<svg class="bars" id="{e(chart_id)}" role="img" aria-label="{e(title)}" '
        f'width="{label_w + bar_w + 150}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for index, (label, caption, counts) in enumerate(rows):
        y = 5 + index * row_h
        total = sum(counts.get(s, 0) for s in statuses) or 1
        text = f"{label} {caption}"[:52]
        parts.append(
            f'<text x="0" y="{y + 14}"><title>{e(label)} {e(caption)}</title>{e(text)}</text>'
        )
        x = float(label_w)
        for status in statuses:
            n = counts.get(status, 0)
            if not n:
                continue
            width = bar_w * n / total
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 2}" width="{width:.1f}" height="{row_h - 6}" '
                f'fill="{COLOURS.get(status, "#999")}"><title>{e(status)}: {n}</title></rect>'
            )
            x += width
        summary = " ".join(f"{counts.get(s, 0)}{s[0]}" for s in statuses if counts.get(s, 0))
        parts.append(f'<text x="{label_w + bar_w + 6}" y="{y + 14}">{e(summary)}</text>')
    parts.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{COLOURS.get(s, "#999")}"></i>{e(s)}</span>' for s in statuses
    )
    return f'<h2>{e(title)}</h2><div class="legend">{legend}</div>' + "".join(parts)
