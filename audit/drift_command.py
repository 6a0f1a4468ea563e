"""``gdpr-audit drift``: the plan of a stack against the live account (audit.drift)."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from .catalogue import Library
from .drift import DriftReport, compare
from .engines.base import PolicyEngine
from .evaluate import evaluate
from .exceptions_files import load_attestations, load_waivers
from .render.drift_report import DRIFT_REPORTERS

__all__ = ["drift_exit_code", "run_drift"]


def drift_exit_code(report: DriftReport, errors: bool) -> int:
    """3 when a rule could not be evaluated on either side, 1 on any drift, else 0."""
    if errors:
        return 3
    return 1 if report.drifted else 0


def run_drift(
    args: argparse.Namespace, library: Library, make_engine: Callable[[], PolicyEngine]
) -> int:
    from .sources.live.options import collect_live
    from .sources.plan import facts_from_plan, find_stack_file

    stack_file = find_stack_file(args.stack, args.config_file)
    planned = facts_from_plan(args.stack, stack_file)
    live, snapshot = collect_live(args, stack_file)
    waivers = load_waivers(args.waivers) if args.waivers else []
    attestations = load_attestations(args.attestations) if args.attestations else []
    engine = make_engine()
    try:
        planned_eval = evaluate(
            planned, library, engine, waivers=waivers, attestations=attestations
        )
        live_eval = evaluate(live, library, engine, waivers=waivers, attestations=attestations)
    finally:
        engine.close()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    report = compare(
        planned,
        live,
        planned_eval.findings,
        live_eval.findings,
        account=snapshot.account_id,
        generated_at=now,
    )
    errors = any(f.status == "error" for f in (*planned_eval.findings, *live_eval.findings))
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for name, render in DRIFT_REPORTERS.items():
            (out / name).write_bytes(render(report))
    counts = ", ".join(f"{n} {s}" for s, n in report.counts().items())
    print(f"gdpr-audit drift: {report.planned_source} vs {report.live_source}")
    print(f"{len(report.items)} resources: {counts}")
    for item in report.drifted:
        what = "; ".join(c.property for c in item.changes)
        turned = ", ".join(
            f"{v.rule_id} {v.planned or '-'}->{v.live or '-'}" for v in item.verdicts
        )
        renamed = item.planned_id and item.live_id and item.live_id != item.planned_id
        print(
            f"  {item.status.upper():10} {item.kind} {item.planned_id or item.live_id}"
            f"{' -> ' + str(item.live_id) if renamed else ''}"
            f"{': ' + what if what else ''}{' [verdicts: ' + turned + ']' if turned else ''}"
        )
    if args.out:
        print(f"reports: {', '.join(str(Path(args.out) / n) for n in DRIFT_REPORTERS)}")
    return drift_exit_code(report, errors)
