"""regopy (rego-cpp), in worker processes: a second, independent Rego implementation that
the differential tests compare with the embedded OPA. Never the default (README).

Measured facts this module is shaped by (DESIGN.md and bench/policy_eval.py):

* building a partial set over N inputs is super-linear in regopy, so facts go in chunks;
* ``Interpreter.query`` recompiles every module (about 50 ms for this library), so each
  distinct package list is compiled once into a bundle and reused;
* strict builtin errors must be on, or a missing builtin quietly becomes "undefined";
* reading the binding of a failed query aborts the whole process (``std::logic_error``), and a
  crash in C++ must not take the CLI down: evaluation runs in worker processes, and a dead
  worker turns its batches into ``error`` results.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from importlib import metadata
from typing import Any

import regopy

from .base import Batch, BatchResult, PackageError, parse_package_result, query_for

__all__ = ["RegopyEngine", "compile_error"]

_REGOPY_VERSION = metadata.version("regopy")

_EMPTY_INPUT = {
    "facts": [],
    "context": {"allowed_regions": [], "meeting_types": {}, "max_log_retention_days": 0},
}


def _interpreter(modules: Sequence[tuple[str, str]]) -> Any:
    interpreter = regopy.Interpreter()
    interpreter.strict_built_in_errors = True
    for path, text in modules:
        interpreter.add_module(path, text)
    return interpreter


class _Evaluator:
    """One interpreter and its compiled bundles (one per package list)."""

    def __init__(self, modules: Sequence[tuple[str, str]]) -> None:
        self._interpreter = _interpreter(modules)
        self._bundles: dict[tuple[str, ...], Any] = {}

    def _run(self, packages: tuple[str, ...]) -> Any:
        bundle = self._bundles.get(packages)
        if bundle is None:
            bundle = self._interpreter.build(query_for(packages), [])
            self._bundles[packages] = bundle
        try:
            output = self._interpreter.query_bundle(bundle)
            if not output.ok():  # never read the binding of a failed query: that aborts
                raise RuntimeError(
                    "evaluation error (strict builtin error, conflict or type error)"
                )
            return json.loads(str(output.binding("x")))
        except ValueError as error:  # regopy writes strings unescaped: its JSON may not parse
            raise RuntimeError(f"the engine's answer is not well-formed JSON ({error})") from None

    def evaluate(self, batch: Batch, context: Mapping[str, Any]) -> BatchResult:
        self._interpreter.set_input(regopy.Input({"facts": list(batch.facts), "context": context}))
        try:
            combined = self._run(batch.packages)
            if isinstance(combined, dict):
                return {p: parse_package_result(p, combined.get(p)) for p in batch.packages}
        except (RuntimeError, regopy.RegoError):
            pass
        # Something in the batch failed: evaluate each package alone to pin the error down.
        results: BatchResult = {}
        for package in batch.packages:
            try:
                single = self._run((package,))
                results[package] = parse_package_result(package, single.get(package))
            except (RuntimeError, regopy.RegoError) as error:
                first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
                results[package] = PackageError(f"package {package}: {first_line}")
        return results


def compile_error(helpers: Sequence[tuple[str, str]], path: str, text: str) -> str | None:
    """Why ``text`` does not compile (with the helpers), or None."""
    package = next((ln.split()[1] for ln in text.splitlines() if ln.startswith("package ")), None)
    if package is None:
        return "no package declaration"
    modules = [m for m in helpers if m[0] != path] + [(path, text)]
    try:
        interpreter = _interpreter(modules)
        interpreter.set_input(regopy.Input(_EMPTY_INPUT))
        if not interpreter.query(f"x := data.{package}").ok():
            return "does not evaluate on empty input"
    except regopy.RegoError as error:
        messages = [ln.strip() for ln in str(error).splitlines() if "errormsg" in ln]
        if messages:
            return messages[0].split(":", 1)[-1].rstrip(")").strip()
        return "does not compile"
    return None


def _library_compiles(modules: Sequence[tuple[str, str]]) -> bool:
    """One compile of the whole library; only when it fails is each file compiled alone."""
    try:
        interpreter = _interpreter(modules)
        interpreter.set_input(regopy.Input(_EMPTY_INPUT))
        return bool(interpreter.query("x := data.callvault").ok())
    except regopy.RegoError:
        return False


_WORKER: _Evaluator | None = None


def _worker_init(modules: Sequence[tuple[str, str]]) -> None:
    global _WORKER
    _WORKER = _Evaluator(modules)


def _worker_run(batch: Batch, context: Mapping[str, Any]) -> BatchResult:
    assert _WORKER is not None
    return _WORKER.evaluate(batch, context)


class RegopyEngine:
    """regopy in a pool of worker processes (one per core by default)."""

    name = f"regopy {_REGOPY_VERSION}"
    version = _REGOPY_VERSION
    chunk_size = 50
    """regopy's partial sets are super-linear: ~50 facts per query measured best."""

    def __init__(self, *, workers: int | None = None) -> None:
        self._workers = max(1, workers or (os.cpu_count() or 1))
        self._modules: list[tuple[str, str]] = []
        self._loaded: list[tuple[str, str]] = []
        self._broken: dict[str, str] = {}
        self._pool: ProcessPoolExecutor | None = None
        self._context = multiprocessing.get_context("spawn")

    def _new_pool(self, workers: int, modules: Sequence[tuple[str, str]]) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=workers,
            mp_context=self._context,
            initializer=_worker_init,
            initargs=(list(modules),),
        )

    def load(self, modules: Sequence[tuple[str, str]]) -> dict[str, str]:
        """Compile the library; if it fails, compile each rule with the helpers to find the
        broken files, and keep those that compile.

        Compiling only raises (``RegoError``); it never reads a failed output, so it is safe
        in-process. Evaluation happens in the workers.
        """
        if list(modules) == self._loaded:  # the same library again: compiled already
            return dict(self._broken)
        self.close()
        helpers = [(p, t) for p, t in modules if p.startswith("lib/")]
        broken: dict[str, str] = {}
        if not _library_compiles(modules):
            for path, text in modules:
                error = compile_error(helpers, path, text)
                if error:
                    broken[path] = error
        if any(p.startswith("lib/") for p in broken):  # a broken helper breaks every rule
            broken = {p: broken.get(p, "the helper library does not compile") for p, _ in modules}
        self._modules = [(p, t) for p, t in modules if p not in broken]
        self._loaded = list(modules)
        self._broken = dict(broken)
        return broken

    def evaluate(self, batches: Sequence[Batch], context: Mapping[str, Any]) -> list[BatchResult]:
        if not batches:
            return []
        if self._pool is None:
            self._pool = self._new_pool(self._workers, self._modules)
        try:
            return list(self._pool.map(_worker_run, batches, [context] * len(batches)))
        except BrokenProcessPool:
            self._pool = None
            return [
                {
                    p: PackageError("the Rego engine crashed (its worker process died)")
                    for p in b.packages
                }
                for b in batches
            ]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
