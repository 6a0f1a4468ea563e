"""The page a security team opens first, rendered by Debian's headless Chromium: the verdict
and both charts are on screen, failures come before passes, and provisions are in natural
order."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    if CHROMIUM is None:
        pytest.fail("chromium not found: run `bash .ci/setup` (installs Debian's chromium)")
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_index_renders_verdict_and_charts(bad_bundle, tmp_path: Path) -> None:
    bundle, _ = bad_bundle
    url = (bundle / "index.html").resolve().as_uri()
    shot = tmp_path / "index.png"
    result = _chromium("--window-size=1280,1600", f"--screenshot={shot}", url)
    assert shot.is_file(), result.stderr[-2000:]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1280, 1600)
    assert len(png) > 50_000, "a blank page compresses to a few kB"

    dom = _chromium("--dump-dom", url).stdout
    verdict = re.search(r'id="verdict">([^<]+)<', dom)
    assert verdict and verdict.group(1).startswith("NOT COMPLIANT: 3 failing finding(s)"), dom[:500]
    assert "1 critical" in verdict.group(1) and "2 failing scenario(s)" in verdict.group(1)
    gdpr = dom.split('id="chart-gdpr"')[1].split("</svg>")[0]
    assert 'fill="#c62828"' in gdpr, "the failing provisions are drawn red"
    labels = re.findall(r"<title>(Art\. [^ <]+)", gdpr)
    assert labels.index("Art. 5(1)(e)") < labels.index("Art. 17(1)(a)") < labels.index("Art. 44")
    themes = dom.split('id="chart-themes"')[1].split("</svg>")[0]
    assert themes.count("<rect") >= 4
    failing_at = dom.index("Failing findings, most severe first")
    assert dom.index("CV-RES-001", failing_at) < dom.index("CV-RET-001", failing_at)
    assert dom.index("<details>") > failing_at  # passes collapsed below the failures
    assert "Fix:" in dom[failing_at : dom.index("<details>")]
