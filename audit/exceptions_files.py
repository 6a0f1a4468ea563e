"""Waivers and attestations: YAML files people write, validated strictly.

Waiver: ``{rule, resource, justification, approver, expires}``: turns a ``fail`` of ``rule``
on a resource whose id (or source) matches the glob ``resource`` into ``waived`` until
``expires`` (inclusive). Attestation: ``{control, attested_by, attested_on, evidence,
valid_until}``: covers a manual ISO 27001 control.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from infra.safe_load import UnsafeDocumentError, decode_utf8, load_yaml

from .errors import RuleFileError

__all__ = ["Attestation", "Waiver", "load_attestations", "load_waivers"]


@dataclass(frozen=True)
class Waiver:
    rule: str
    resource: str
    justification: str
    approver: str
    expires: dt.date

    def matches(self, rule_id: str, resource_id: str, source: str) -> bool:
        return self.rule == rule_id and (
            fnmatch.fnmatchcase(resource_id, self.resource)
            or fnmatch.fnmatchcase(source, self.resource)
        )


@dataclass(frozen=True)
class Attestation:
    control: str
    attested_by: str
    attested_on: dt.date
    evidence: str
    valid_until: dt.date


def _entries(path: Path, key: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        document = load_yaml(decode_utf8(path.read_bytes()))
    except FileNotFoundError:
        raise RuleFileError(f"{path}: no such file") from None
    except UnsafeDocumentError as error:
        raise RuleFileError(f"{path}: refused ({error})") from None
    except (OSError, yaml.YAMLError) as error:
        raise RuleFileError(f"{path}: not readable YAML ({str(error).splitlines()[0]})") from None
    if not isinstance(document, dict) or not isinstance(document.get(key), list):
        raise RuleFileError(f"{path}: expected a top-level '{key}:' list")
    entries = []
    for index, entry in enumerate(document[key]):
        if not isinstance(entry, dict):
            raise RuleFileError(f"{path}: {key}[{index}] must be a mapping")
        entries.append((index, entry))
    return entries


def _text(entry: dict[str, Any], field: str, where: str) -> str:
    value = entry.get(field)
    if not isinstance(value, str) or not value.strip():
        raise RuleFileError(f"{where}: '{field}' is required")
    return value.strip()


def _date(entry: dict[str, Any], field: str, where: str) -> dt.date:
    value = entry.get(field)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise RuleFileError(f"{where}: '{field}' must be a date YYYY-MM-DD (got {value!r})")


def load_waivers(path: str | Path) -> list[Waiver]:
    file = Path(path)
    waivers = []
    for index, entry in _entries(file, "waivers"):
        where = f"{file}: waivers[{index}]"
        waivers.append(
            Waiver(
                rule=_text(entry, "rule", where),
                resource=_text(entry, "resource", where),
                justification=_text(entry, "justification", where),
                approver=_text(entry, "approver", where),
                expires=_date(entry, "expires", where),
            )
        )
    return waivers


def load_attestations(path: str | Path) -> list[Attestation]:
    file = Path(path)
    attestations = []
    for index, entry in _entries(file, "attestations"):
        where = f"{file}: attestations[{index}]"
        attestations.append(
            Attestation(
                control=_text(entry, "control", where),
                attested_by=_text(entry, "attested_by", where),
                attested_on=_date(entry, "attested_on", where),
                evidence=_text(entry, "evidence", where),
                valid_until=_date(entry, "valid_until", where),
            )
        )
    return attestations
