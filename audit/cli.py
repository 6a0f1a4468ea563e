"""``gdpr-audit``: audit Pulumi plans and state against GDPR Art. 5, 28, 32 and EU residency.

    gdpr-audit plan [--stack dev]            the Pulumi program of infra/ under mocks
    gdpr-audit state FILE...                 pulumi stack export / pulumi preview --json files
    gdpr-audit live [--regions ...]          a boto3 scan of the AWS account (read-only)
    gdpr-audit drift --stack dev             the plan of a stack against the live account
    gdpr-audit facts SOURCE...               print the normalized facts (plan[:STACK] or FILE)
    gdpr-audit controls [--json]             the rule catalogue and the ISO 27001 controls
    gdpr-audit evidence [--runtime] --out DIR  the Gherkin suite and a signed evidence bundle
    gdpr-audit verify DIR [--public-key FILE]  check an evidence bundle
    gdpr-audit keygen FILE                   an Ed25519 key for signing evidence

Exit codes: 0 nothing failing at or above --fail-on; 1 failing findings; 2 bad usage or
unreadable input; 3 the policy engine could not evaluate (error findings).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__
from .catalogue import SEVERITIES, Library, Rule, load_library
from .context import context_from_stack, read_stack_config, stack_facts
from .coverage import coverage_of
from .engines.base import PolicyEngine
from .errors import AuditError, EngineError
from .evaluate import Evaluation, evaluate, paused_gc
from .evidence import commands as evidence_commands
from .exceptions_files import load_attestations, load_waivers
from .facts import AuditContext, Fact, Facts
from .findings import Finding, Report, summarize
from .out_dir import check_out_dir, write_reports
from .render import REPORTERS
from .stack_controls import complete_facts

__all__ = ["main"]

FAIL_ON_CHOICES = (*SEVERITIES, "none")


def _exit_code(report_findings: Sequence[Finding], fail_on: str) -> int:
    statuses = [(f.status, f.severity) for f in report_findings]
    if any(status == "error" for status, _ in statuses):
        return 3
    if fail_on == "none":
        return 0
    threshold = SEVERITIES.index(fail_on)
    if any(s == "fail" and SEVERITIES.index(sev) >= threshold for s, sev in statuses):
        return 1
    return 0


def _stack_context(path: str | None) -> tuple[AuditContext | None, list[Fact]]:
    if path is None:
        return None, []
    config = read_stack_config(path)
    return context_from_stack(config), stack_facts(config, Path(path).name)


def _collect_state(files: Sequence[str], stack_config: str | None) -> Facts:
    from .sources.state import facts_from_state_file

    context, extra = _stack_context(stack_config)
    parts = [facts_from_state_file(f, context) for f in files]
    merged = Facts.merge(parts)
    return complete_facts(Facts(merged.source_description, merged.context, (*merged.facts, *extra)))


def _collect_plan(stack: str, config_file: str | None) -> Facts:
    from .sources.plan import facts_from_plan

    return facts_from_plan(stack, config_file)


def _progress(done: int, total: int) -> None:
    print(
        f"\revaluating: {done}/{total} batches", end="" if done < total else "\n", file=sys.stderr
    )


def _run_audit(collect: Callable[[], Facts], args: argparse.Namespace) -> int:
    if args.out:
        check_out_dir(Path(args.out))  # before the work, not after it
    library = load_library(Path(args.policies)) if args.policies else load_library()
    waivers = load_waivers(args.waivers) if args.waivers else []
    attestations = load_attestations(args.attestations) if args.attestations else []
    engine = _engine(args)
    try:
        # The engine compiles the library (and starts its workers) while the facts are read.
        engine.load(library.modules)
        with paused_gc():
            facts = collect()
            show_progress = len(facts.facts) > 500 and sys.stderr.isatty()
            evaluation = evaluate(
                facts,
                library,
                engine,
                waivers=waivers,
                attestations=attestations,
                progress=_progress if show_progress else None,
            )
    finally:
        engine.close()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    report = build_report(facts, library, engine, evaluation, args.fail_on, now)
    if args.out:
        write_reports(Path(args.out), {name: render(report) for name, render in REPORTERS.items()})
    _print_summary(report, args.out)
    return report.exit_code


def build_report(
    facts: Facts,
    library: Library,
    engine: PolicyEngine,
    evaluation: Evaluation,
    fail_on: str,
    generated_at: str,
) -> Report:
    """The audit's report (every command and the evidence bundle build it here): findings,
    exit code, the engine and its version, and what was not assessed."""
    coverage = coverage_of(
        facts.facts, [r.id for r in library.rules], {f.rule_id for f in evaluation.findings}
    )
    return Report(
        tool_version=__version__,
        source=facts.source_description,
        generated_at=generated_at,
        engine=engine.name,
        engine_version=engine.version,
        findings=evaluation.findings,
        rules_evaluated=evaluation.rules_evaluated,
        fail_on=fail_on,
        exit_code=_exit_code(evaluation.findings, fail_on),
        gdpr_titles=library.gdpr,
        iso_titles={c.id: c.title for c in library.controls.values()},
        unassessed_types=tuple(u.to_json() for u in coverage.unassessed),
        idle_rules=coverage.idle_rules,
    )


def _print_summary(report: Report, out: str | None) -> None:
    summary = summarize(report)
    counts = ", ".join(f"{n} {s}" for s, n in summary["by_status"].items())
    print(f"gdpr-audit {report.tool_version}: {report.source}")
    print(
        f"{summary['rules_evaluated']} rules, {summary['total']} findings: {counts} "
        f"[engine: {report.engine}]"
    )
    if report.unassessed_types or report.idle_rules:
        unread = sum(int(u["count"]) for u in report.unassessed_types)
        print(
            f"not assessed: {unread} resources of {len(report.unassessed_types)} unread types; "
            f"{len(report.idle_rules)} rules applied to nothing"
        )
    for f in report.findings:
        if f.status in ("fail", "error"):
            print(
                f"  {f.status.upper():5} {f.severity:8} {f.rule_id:11} "
                f"{f.resource_kind} {f.resource_id}: {f.message}"
            )
    if out:
        print(f"reports: {', '.join(str(Path(out) / n) for n in REPORTERS)}")


ENGINES = ("opa", "regopy")


def _engine(args: argparse.Namespace) -> PolicyEngine:
    if args.opa_url:
        from .engines.opa_server import OpaServerEngine

        return OpaServerEngine(args.opa_url)
    if args.engine == "regopy":
        from .engines.regopy_engine import RegopyEngine

        return RegopyEngine(workers=args.workers)
    from .engines.opa_embedded import OpaEmbeddedEngine

    return OpaEmbeddedEngine(workers=args.workers)


def _mapped(rule: Rule, ids: Sequence[str]) -> list[str]:
    return [f"{i} ({rule.mapping[i]})" for i in ids]


def _controls(library: Library, as_json: bool) -> int:
    if as_json:
        document = {
            "rules": [r.to_json() for r in library.rules],
            "iso27001": [
                {
                    "id": c.id,
                    "title": c.title,
                    "manual": c.manual,
                    "evidence": c.evidence or None,
                    "rules": [r.id for r in library.rules if c.id in r.iso27001],
                }
                for c in library.controls.values()
            ],
        }
        print(json.dumps(document, indent=2, sort_keys=True))
        return 0
    for rule in library.rules:
        print(f"{rule.id:11} {rule.severity:8} {rule.topic:22} {rule.title}")
        print(
            f"{'':11} GDPR {', '.join(_mapped(rule, rule.gdpr))} · "
            f"ISO {', '.join(_mapped(rule, rule.iso27001))} · "
            f"{', '.join(rule.applies_to)}"
        )
    manual = [c for c in library.controls.values() if c.manual]
    print(f"\n{len(library.rules)} rules; manual ISO 27001 controls (need an attestation):")
    for control in manual:
        print(f"  {control.id:7} {control.title}: {control.evidence}")
    return 0


def _facts(sources: Sequence[str], stack_config: str | None) -> int:
    parts = []
    files = []
    for source in sources:
        if source == "plan" or source.startswith("plan:"):
            parts.append(_collect_plan(source.partition(":")[2] or "dev", None))
        else:
            files.append(source)
    if files:
        parts.append(_collect_state(files, stack_config))
    print(json.dumps(Facts.merge(parts).to_json(), indent=2, sort_keys=True))
    return 0


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", metavar="DIR", help="write report.json/.html/.md/.sarif and junit.xml here"
    )
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON_CHOICES,
        default="low",
        help="lowest severity of a fail that makes the exit code 1 (default: low; none: never)",
    )
    parser.add_argument(
        "--waivers",
        metavar="FILE",
        help="YAML waivers (rule, resource, justification, approver, expires)",
    )
    parser.add_argument(
        "--attestations", metavar="FILE", help="YAML attestations for manual ISO 27001 controls"
    )
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="opa",
        help="embedded Rego engine: opa (default, OPA itself in-process) or regopy (a second "
        "implementation, kept for differential tests)",
    )
    parser.add_argument(
        "--opa-url",
        metavar="URL",
        help="evaluate on this OPA server instead of the embedded OPA",
    )
    parser.add_argument(
        "--policies", metavar="DIR", help="policy directory (default: the bundled policies/)"
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="engine worker processes (default: one per core)"
    )


def _live_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from .sources.live.options import add_live_options

    live = commands.add_parser(
        "live", help="audit the live AWS account (every enabled region, read-only calls)"
    )
    add_live_options(live)
    _common(live)
    drift = commands.add_parser(
        "drift", help="compare a stack's plan with the live account, resource by resource"
    )
    drift.add_argument("--stack", default="dev", help="stack name (default: dev)")
    drift.add_argument("--config-file", metavar="PATH", help="stack config file")
    add_live_options(drift, stack_config=False)
    _common(drift)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gdpr-audit",
        description="Audit CallVault's infrastructure (Pulumi plan or state) against GDPR "
        "Art. 5, 28, 32 and EU residency; findings map to ISO 27001:2022 Annex A.",
        epilog="exit codes: 0 ok, 1 failing findings, 2 bad usage or input, 3 engine error",
    )
    parser.add_argument("--version", action="version", version=f"gdpr-audit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    plan = commands.add_parser(
        "plan", help="audit the Pulumi program of infra/ for a stack (no AWS needed)"
    )
    plan.add_argument(
        "--stack", default="dev", help="stack name; reads Pulumi.<stack>.yaml (default: dev)"
    )
    plan.add_argument(
        "--config-file", metavar="PATH", help="stack config file instead of Pulumi.<stack>.yaml"
    )
    _common(plan)
    state = commands.add_parser(
        "state", help="audit 'pulumi stack export' or 'pulumi preview --json' files"
    )
    state.add_argument("files", nargs="+", metavar="FILE")
    state.add_argument(
        "--stack-config",
        metavar="PATH",
        help="Pulumi.<stack>.yaml giving allowed regions, meeting types and processors",
    )
    _common(state)
    _live_parsers(commands)
    facts = commands.add_parser(
        "facts", help="print the normalized facts of one or more sources as JSON"
    )
    facts.add_argument(
        "sources", nargs="+", metavar="SOURCE", help="'plan', 'plan:STACK' or a state/preview FILE"
    )
    facts.add_argument("--stack-config", metavar="PATH")
    controls = commands.add_parser(
        "controls", help="list the rule catalogue and the ISO 27001 controls"
    )
    controls.add_argument("--json", action="store_true", help="machine-readable catalogue")
    controls.add_argument("--policies", metavar="DIR")
    evidence_commands.add_commands(commands, _common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "controls":
            library = load_library(Path(args.policies)) if args.policies else load_library()
            return _controls(library, args.json)
        if args.command in evidence_commands.COMMANDS:
            return evidence_commands.run_command(args)
        if args.command == "facts":
            return _facts(args.sources, args.stack_config)
        if args.command == "plan":
            return _run_audit(lambda: _collect_plan(args.stack, args.config_file), args)
        if args.command == "live":
            from .sources.live.options import collect_live

            return _run_audit(lambda: collect_live(args)[0], args)
        if args.command == "drift":
            from .drift_command import run_drift

            library = load_library(Path(args.policies)) if args.policies else load_library()
            return run_drift(args, library, lambda: _engine(args))
        return _run_audit(lambda: _collect_state(args.files, args.stack_config), args)
    except EngineError as error:
        print(f"gdpr-audit: engine error: {error}", file=sys.stderr)
        return 3
    except AuditError as error:
        print(f"gdpr-audit: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("gdpr-audit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Whoever read stdout stopped (`| head`): the reports are already written. Point stdout
        # at /dev/null so the interpreter's final flush raises nothing either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a writer killed by a closed pipe


if __name__ == "__main__":
    sys.exit(main())
