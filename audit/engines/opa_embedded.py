"""The default engine: OPA itself (v1 ``rego`` package) embedded through opa-golib-python-bindings.

Shaped by what was measured (README, bench/policy_eval.py):

* The Go runtime does not survive ``fork``: evaluation runs in worker processes started with
  ``spawn``, each loading the library into one ``OpaEngine`` once, at start.
* One query string for every batch (:data:`PACKAGES_QUERY`: the packages to evaluate travel in
  the input), so each worker compiles the library once, when it starts and while the caller
  reads the facts, instead of once per fact kind on the first batch of each (~50 ms each).
* The workers' Go runtimes collect garbage less often (``GOGC=400``, capped by
  ``GOMEMLIMIT=512MiB``; a value the user set wins): OPA allocates a lot per evaluation and the
  default collector cost ~20% of a worker's CPU on the bench estate.
* OPA compiles every module when a query is prepared: one module with a type error makes every
  query fail. :meth:`OpaEmbeddedEngine.load` therefore compiles the library once and, only if
  that fails, each rule with the helpers, so a broken rule is reported and the rest still run.
* Builtin errors are strict in these bindings (``eval_builtin_error``), conflicts are
  ``eval_conflict_error``, type and recursion errors are ``prepare_error``, a recovered Go
  panic is an ``OpaError`` too: every one of them is a :class:`PackageError`, never a pass.
  A worker that dies (a fatal Go error) turns its batches into errors.
"""

from __future__ import annotations

import contextlib
import functools
import mmap
import multiprocessing
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from importlib import metadata
from typing import Any

from opa_bindings import OpaEngine, OpaError

from .base import Batch, BatchResult, PackageError, parse_package_result

__all__ = [
    "PACKAGES_QUERY",
    "WORKER_GO_ENVIRONMENT",
    "OpaEmbeddedEngine",
    "bindings_version",
    "compile_errors",
    "new_engine",
    "opa_version",
]

PACKAGES_QUERY = "x := {p: data.callvault.rules[p] | some p in input.packages}"
"""Binds ``x`` to an object of the rule document of every package named in ``input.packages``
(OPA evaluates only those: the package name is known when the reference is resolved)."""

WORKER_GO_ENVIRONMENT = {"GOGC": "400", "GOMEMLIMIT": "512MiB"}
"""Garbage collection in the workers' Go runtimes (measured in bench/policy_eval.py): a worker's
live heap is small (one batch), so collecting at 5x it instead of 2x saves ~20% of its CPU for
~60 MiB of RSS; the limit keeps a worker's heap bounded whatever the batch."""

_OPA_MODULE = re.compile(rb"\tgithub\.com/open-policy-agent/opa\tv([0-9][0-9A-Za-z.+-]*)\t")


@functools.cache
def opa_version() -> str:
    """The OPA version linked into the bindings' shared library (from its Go build info)."""
    from opa_bindings import _native

    with (
        open(_native._LIB_PATH, "rb") as handle,
        mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data,
    ):
        match = _OPA_MODULE.search(data)
        return bytes(match.group(1)).decode() if match else "unknown"


@functools.cache
def bindings_version() -> str:
    return metadata.version("opa-golib-python-bindings")


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def new_engine(modules: Sequence[tuple[str, str]]) -> Any:
    """An ``OpaEngine`` holding ``modules`` (raises ``OpaError`` on a parse error)."""
    engine = OpaEngine()
    try:
        for path, text in modules:
            engine.add_policy(path, text)
    except BaseException:
        engine.close()
        raise
    return engine


def _compile_error(modules: Sequence[tuple[str, str]]) -> str | None:
    """Why ``modules`` do not compile together, or None. Preparing any query compiles all."""
    try:
        engine = new_engine(modules)
    except OpaError as error:
        return _first_line(error)
    try:
        engine.eval_query("x := data.callvault.lib")
    except OpaError as error:
        return _first_line(error)
    finally:
        engine.close()
    return None


def compile_errors(modules: Sequence[tuple[str, str]]) -> dict[str, str]:
    """path -> error for the modules that do not compile; the helpers (``lib/``) with each rule.

    One compile of the whole library first; only when it fails is each file compiled alone.
    A broken helper breaks every rule.
    """
    if _compile_error(modules) is None:
        return {}
    helpers = [(p, t) for p, t in modules if p.startswith("lib/")]
    helper_error = _compile_error(helpers) if helpers else None
    if helper_error is not None:
        return {p: f"the helper library does not compile: {helper_error}" for p, _ in modules}
    broken: dict[str, str] = {}
    for path, text in modules:
        if path.startswith("lib/"):
            continue
        error = _compile_error([*helpers, (path, text)])
        if error is not None:
            broken[path] = error
    if not broken:  # each compiles alone but not together (e.g. two files, one package)
        broken = {p: f"the library does not compile: {_compile_error(modules)}" for p, _ in modules}
    return broken


class _Evaluator:
    """One OPA engine holding the library; evaluates batches, pins errors to packages."""

    def __init__(self, modules: Sequence[tuple[str, str]]) -> None:
        self._engine = new_engine(modules)

    def prepare(self) -> None:
        """Compile the library and the query now (the bindings cache the prepared query), not
        on the first batch. A library that does not compile fails here quietly: every batch
        then reports the error for its packages."""
        with contextlib.suppress(OpaError):
            self._run({"facts": [], "context": {}, "packages": []})

    def _run(self, document: Mapping[str, Any]) -> Any:
        rows = self._engine.eval_query(PACKAGES_QUERY, document)
        if len(rows) != 1 or "x" not in rows[0]:
            raise OpaError("undefined", f"query returned {len(rows)} results")
        return rows[0]["x"]

    def evaluate(self, batch: Batch, context: Mapping[str, Any]) -> BatchResult:
        document = {"facts": batch.facts, "context": context, "packages": batch.packages}
        try:
            combined = self._run(document)
            if isinstance(combined, Mapping):
                return {p: parse_package_result(p, combined.get(p)) for p in batch.packages}
        except OpaError:
            pass
        # Something in the batch failed: evaluate each package alone to pin the error down.
        results: BatchResult = {}
        for package in batch.packages:
            try:
                single = self._run({**document, "packages": [package]})
                results[package] = parse_package_result(package, single.get(package))
            except OpaError as error:
                results[package] = PackageError(f"package {package}: {_first_line(error)}")
        return results

    def close(self) -> None:
        self._engine.close()


_WORKER: _Evaluator | None = None


def _worker_init(modules: Sequence[tuple[str, str]]) -> None:
    global _WORKER
    _WORKER = _Evaluator(modules)
    _WORKER.prepare()


@contextlib.contextmanager
def _worker_environment() -> Iterator[None]:
    """:data:`WORKER_GO_ENVIRONMENT` in the environment the workers are spawned with (a Go
    runtime reads it once, when the process starts); the user's own values win."""
    added = {k: v for k, v in WORKER_GO_ENVIRONMENT.items() if k not in os.environ}
    os.environ.update(added)
    try:
        yield
    finally:
        for key in added:
            os.environ.pop(key, None)


def _worker_ready() -> int:
    return os.getpid()


def _worker_run(batch: Batch, context: Mapping[str, Any]) -> BatchResult:
    if _WORKER is None:
        raise RuntimeError("the OPA worker was not initialised")
    return _WORKER.evaluate(batch, context)


class OpaEmbeddedEngine:
    """OPA in a pool of spawned worker processes (one per core by default)."""

    def __init__(self, *, workers: int | None = None) -> None:
        self.version = opa_version()
        self.name = f"opa {self.version} (embedded, opa-golib-python-bindings {bindings_version()})"
        # bench/policy_eval.py: 125-1,000 facts within noise on CPU; smaller worker heaps
        self.chunk_size = 250
        self._workers = max(1, workers or (os.cpu_count() or 1))
        self._modules: list[tuple[str, str]] = []
        self._loaded: list[tuple[str, str]] | None = None
        self._broken: dict[str, str] = {}
        self._pool: ProcessPoolExecutor | None = None
        self._context = multiprocessing.get_context("spawn")

    def load(self, modules: Sequence[tuple[str, str]]) -> dict[str, str]:
        """Compile the library; returns path -> error for the files that do not compile and
        keeps the others. Compiling in this process is safe: only evaluation runs in workers.

        The workers start here, without waiting: they spawn and load the library while the
        caller reads the facts (the CLI loads before it collects)."""
        if list(modules) == self._loaded:
            return dict(self._broken)
        self.close()
        self._loaded = list(modules)
        self._modules = list(modules)
        self._start_pool()
        broken = compile_errors(modules)
        if broken:  # the workers loaded the broken files: start them again without those
            self.close()
            self._modules = [(p, t) for p, t in modules if p not in broken]
            self._start_pool()
        self._broken = broken
        return dict(broken)

    def _start_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self._workers,
                mp_context=self._context,
                initializer=_worker_init,
                initargs=(list(self._modules),),
            )
            with _worker_environment():
                for _ in range(self._workers):  # spawn every worker now, not on first use
                    self._pool.submit(_worker_ready)
        return self._pool

    def evaluate(
        self, batches: Sequence[Batch], context: Mapping[str, Any]
    ) -> Iterator[BatchResult]:
        """Results in order, each as soon as it and those before it are done."""
        if not batches:
            return
        pool = self._start_pool()
        done = 0
        try:
            for result in pool.map(_worker_run, batches, [context] * len(batches)):
                done += 1
                yield result
        except BrokenProcessPool:
            self.close()
            message = "the OPA engine crashed (its worker process died)"
            for batch in batches[done:]:
                yield {p: PackageError(f"package {p}: {message}") for p in batch.packages}

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
