"""``plan``: the Pulumi program of infra/ run under Pulumi's mocks for one stack."""

from __future__ import annotations

from pathlib import Path

from infra.synth import synthesize

from ..context import context_from_stack, read_stack_config, stack_facts
from ..errors import InputError
from ..facts import Facts
from ..pulumi_facts import PulumiResource, facts_from_pulumi_resources
from ..stack_controls import complete_facts

__all__ = ["facts_from_plan", "find_stack_file"]

REPO_ROOT = Path(__file__).resolve().parents[2]


def find_stack_file(stack: str, config_file: str | Path | None = None) -> Path:
    """``--config-file`` if given, else ``Pulumi.<stack>.yaml`` here or at the project root."""
    if config_file is not None:
        path = Path(config_file)
        if not path.is_file():
            raise InputError(f"stack config {path} does not exist")
        return path
    for directory in (Path.cwd(), REPO_ROOT):
        candidate = directory / f"Pulumi.{stack}.yaml"
        if candidate.is_file():
            return candidate
    raise InputError(
        f"no Pulumi.{stack}.yaml in {Path.cwd()} or {REPO_ROOT}; pass --config-file PATH"
    )


def facts_from_plan(stack: str, config_file: str | Path | None = None) -> Facts:
    path = find_stack_file(stack, config_file)
    config = read_stack_config(path, stack)
    declared = synthesize(config)
    resources = [
        PulumiResource(
            urn=r.urn,
            type=r.type,
            id=r.id,
            properties={**r.inputs, **r.outputs},
            source=r.urn,
            provider_region=config.region,
        )
        for r in declared
        if r.custom
    ]
    facts = facts_from_pulumi_resources(resources) + stack_facts(config, path.name)
    return complete_facts(
        Facts(
            source_description=f"plan of stack '{stack}' ({path.name}, {len(declared)} resources)",
            context=context_from_stack(config),
            facts=tuple(facts),
        )
    )
