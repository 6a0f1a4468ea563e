"""``gdpr-audit evidence``: audit the stack, run the Gherkin suite on that audit, and write the
signed bundle. The bundle is written (and signed) whatever the verdict: failing measures are
evidence too. Exit 0 all holds; 1 failing findings or scenarios; 3 engine errors."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from .. import __version__
from ..catalogue import POLICY_ROOT, load_library
from ..errors import EngineError, UsageError
from ..evaluate import evaluate
from ..exceptions_files import load_attestations, load_waivers
from ..facts import Facts
from ..render import REPORTERS
from ..sources.plan import find_stack_file
from . import art30, dpia, pages, soa
from .bundle import Criteria, InputFile, RunIdentity, sha256_hex, write_bundle
from .model import EvidenceInput, load_annex, load_measures
from .scenarios import normalize_cucumber, normalize_junit, scenario_results
from .signing import KmsSigner, Signer, generate_key_file, load_local_signer

__all__ = ["DEFAULT_KEY", "run_evidence"]

REPO_ROOT = Path(__file__).resolve().parents[2]
FEATURES = REPO_ROOT / "features"
DEFAULT_KEY = ".callvault-evidence.key"
_ENGINE_DISTRIBUTIONS = {"opa": "opa-golib-python-bindings", "regopy": "regopy"}


def declared_time(value: str | None) -> str:
    """``--time`` validated as an RFC 3339 UTC time, or the wall clock (here, not in pure code)."""
    if value is None:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        return now.isoformat().replace("+00:00", "Z")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--time {value!r} is not an RFC 3339 time like 2026-11-23T22:00:00Z"
        ) from None
    if parsed.utcoffset() != dt.timedelta(0):
        raise UsageError(f"--time {value!r} must be UTC (end it with Z)")
    return parsed.replace(tzinfo=None).isoformat() + "Z"


def _engine_version(name: str) -> str:
    for key, distribution in _ENGINE_DISTRIBUTIONS.items():
        if key in name.lower():
            try:
                return f"{distribution} {importlib.metadata.version(distribution)}"
            except importlib.metadata.PackageNotFoundError:
                break
    return "unknown"


def _policies_commit() -> str:
    def git(*argv: str) -> str:
        return subprocess.run(
            ["git", "-C", str(POLICY_ROOT), *argv],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain", "--", ".")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return commit + ("+dirty" if dirty else "")


def _input(path: Path) -> InputFile:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UsageError(f"{path}: cannot read ({error.strerror})") from None
    return InputFile(str(path), sha256_hex(data))


def _run_suite(work: Path, stack_file: Path, stack: str, runtime: bool) -> tuple[bytes, bytes]:
    if not (FEATURES / "test_scenarios.py").is_file():
        raise UsageError(f"{FEATURES} not found: run gdpr-audit evidence from a CallVault checkout")
    command = [
        sys.executable, "-m", "pytest", str(FEATURES), "-q", "-p", "no:cacheprovider",
        "--strict-markers", f"--cucumberjson={work / 'cucumber.json'}",
        f"--junitxml={work / 'junit.xml'}", "-o", "junit_suite_name=callvault-features",
    ]  # fmt: skip
    if not runtime:
        command += ["-m", "not runtime"]
    env = {
        **os.environ,
        "CALLVAULT_AUDIT_DIR": str(work),
        "CALLVAULT_STACK_CONFIG": str(stack_file.resolve()),
        "CALLVAULT_STACK": stack,
    }
    print(
        f"gdpr-audit evidence: running the Gherkin suite{' with runtime scenarios' if runtime else ''}",
        file=sys.stderr,
    )
    result = subprocess.run(  # noqa: S603
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False
    )
    lines = result.stdout.strip().splitlines()
    print(f"gdpr-audit evidence: suite: {lines[-1] if lines else '(no output)'}", file=sys.stderr)
    # 0 all passed, 1 some failed: both are results. Anything else means the suite did not run.
    if result.returncode not in (0, 1) or not (work / "cucumber.json").is_file():
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise EngineError(
            f"the Gherkin suite could not run (pytest exit {result.returncode}):\n{tail}"
        )
    return (work / "cucumber.json").read_bytes(), (work / "junit.xml").read_bytes()


def _signer(args: argparse.Namespace) -> Signer:
    if args.kms_key_id:
        import boto3

        client = boto3.client("kms", region_name=args.region, endpoint_url=args.endpoint_url)
        return KmsSigner(client, args.kms_key_id)
    key = Path(args.key or DEFAULT_KEY)
    if args.key is None and not key.exists():
        fingerprint = generate_key_file(key)
        print(
            f"gdpr-audit evidence: created signing key {key} ({fingerprint}); give auditors "
            f"{key}.pub to verify with",
            file=sys.stderr,
        )
    return load_local_signer(key)


def run_evidence(args: argparse.Namespace) -> int:
    from ..cli import _collect_state, _engine, build_report

    if not args.out:
        raise UsageError("gdpr-audit evidence needs --out DIR")
    time = declared_time(args.time)
    stack_file = find_stack_file(args.stack, args.config_file)
    from ..context import read_stack_config

    stack = read_stack_config(stack_file, args.stack)
    if args.state:
        facts = _collect_state(args.state, str(stack_file))
    else:
        from ..sources.plan import facts_from_plan

        facts = facts_from_plan(args.stack, stack_file)
    library = load_library(Path(args.policies)) if args.policies else load_library()
    waivers = load_waivers(args.waivers) if args.waivers else []
    attestations = load_attestations(args.attestations) if args.attestations else []
    signer = _signer(args)
    engine = _engine(args)
    today = dt.date.fromisoformat(time[:10])
    try:
        evaluation = evaluate(
            facts, library, engine, waivers=waivers, attestations=attestations, today=today
        )
    finally:
        engine.close()
    report = build_report(facts, library, engine, evaluation, args.fail_on, time)
    code = report.exit_code
    files: dict[str, bytes] = {name: render(report) for name, render in REPORTERS.items()}
    files["facts.json"] = _facts_json(facts)
    with tempfile.TemporaryDirectory(prefix="callvault-evidence-") as tmp:
        work = Path(tmp)
        (work / "report.json").write_bytes(files["report.json"])
        (work / "facts.json").write_bytes(files["facts.json"])
        cucumber, junit = _run_suite(work, stack_file, args.stack, args.runtime)
    files["cucumber.json"] = normalize_cucumber(cucumber)
    files["junit-scenarios.xml"] = normalize_junit(junit)
    annex, themes = load_annex(library.root)
    measures, special = load_measures(library.root)
    scenarios = scenario_results(
        json.loads(files["cucumber.json"]), list(library.gdpr), [c.id for c in annex]
    )
    data = EvidenceInput(
        stack=stack,
        library=library,
        annex=annex,
        themes=themes,
        measures=measures,
        special_categories=special,
        findings=evaluation.findings,
        scenarios=scenarios,
        attestations=tuple(attestations),
        waivers=tuple(waivers),
        today=today,
        runtime=args.runtime,
    )
    rows = soa.statement_of_applicability(data)
    annexes = dpia.dpia_annex(data)
    run = RunIdentity(
        tool_version=__version__,
        engine=engine.name,
        engine_version=_engine_version(engine.name),
        policies_commit=_policies_commit(),
        stack=stack.stack,
        source=facts.source_description,
        inputs=tuple(_input(Path(p)) for p in [str(stack_file), *(args.state or [])]),
        declared_time=time,
        runtime=args.runtime,
    )
    files.update(
        {
            "scenarios.html": pages.render_scenarios(scenarios, args.runtime),
            "soa.json": soa.render_json(rows),
            "soa.md": soa.render_markdown(rows, themes),
            "soa.html": pages.render_soa(rows, themes),
            "dpia-annex.md": dpia.render_markdown(annexes, stack),
            "dpia-annex.html": pages.render_dpia(annexes, stack),
            "art30-record.md": art30.render_markdown(stack, annexes),
            "index.html": pages.render_index(data, rows, run.to_json()),
        }
    )
    criteria = Criteria(
        allowed_regions=facts.context.allowed_regions,
        retention_days={
            name: int(mt["retention_days"]) for name, mt in facts.context.meeting_types.items()
        },
        max_log_retention_days=facts.context.max_log_retention_days,
        fail_on=args.fail_on,
    )
    out = write_bundle(Path(args.out), files, run, criteria, signer)
    failed = [s for s in scenarios if s.status == "failed"]
    print(
        f"gdpr-audit {__version__}: {facts.source_description}\n"
        f"{len(evaluation.findings)} findings ({sum(f.status == 'fail' for f in evaluation.findings)} fail), "
        f"{len(scenarios)} scenarios ({len(failed)} failed), SoA "
        f"{sum(r.status == 'implemented' for r in rows)} implemented / "
        f"{sum(r.status == 'failing' for r in rows)} failing / {sum(r.status == 'open' for r in rows)} open"
    )
    for s in failed:
        print(f"  FAILED scenario {s.feature_file}: {s.title}")
    print(f"bundle: {out} ({len(files) + 2} files, signed); check it with gdpr-audit verify {out}")
    if code == 3:
        return 3
    return 1 if code == 1 or failed else 0


def _facts_json(facts: Facts) -> bytes:
    return (json.dumps(facts.to_json(), indent=2, sort_keys=True) + "\n").encode()
