"""Stack configuration: one loader and validator shared by the Pulumi program and the media node.

Everything here is pure: a mapping of ``callvault:*`` config values goes in, a frozen
:class:`StackConfig` comes out, or a :class:`ConfigError` whose one-line message names the key,
what was got and what is allowed. No resource is declared before this has succeeded.
"""

from __future__ import annotations

import ipaddress
import re
import reprlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from infra.safe_load import UnsafeDocumentError, decode_utf8, load_yaml

__all__ = [
    "PROJECT",
    "AuditReaderSettings",
    "ConfigError",
    "Controller",
    "MediaNodeSizing",
    "MeetingType",
    "NetworkSettings",
    "Processor",
    "StackConfig",
    "TurnSizing",
    "eu_regions",
    "load_stack_file",
    "split_stack_file",
    "to_stack_document",
    "stack_config_from_values",
    "vocabulary",
]

PROJECT = "callvault"
_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]\Z")


_REPR = reprlib.Repr()
_REPR.maxstring = 60
_REPR.maxother = 60
_REPR.maxlevel = 3


def _shown(value: object) -> str:
    """A bounded ``repr`` for error messages: a huge value (or an alias bomb) prints in
    constant time and space."""
    return _REPR.repr(value)


class ConfigError(ValueError):
    """Stack configuration is invalid.

    ``str(err)`` is one line: the key, what was got, what is allowed.
    """

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


@cache
def _data(name: str) -> dict[str, Any]:
    text = resources.files("infra").joinpath("data", name).read_text(encoding="utf-8")
    loaded = yaml.safe_load(text)
    assert isinstance(loaded, dict)
    return loaded


def eu_regions() -> dict[str, dict[str, str]]:
    """AWS regions located in an EU member state, with city and country."""
    return dict(_data("eu_regions.yaml")["eu_regions"])


def vocabulary() -> dict[str, Any]:
    """The closed vocabularies (legal bases, recording policies, modes, roles ...)."""
    return dict(_data("vocabulary.yaml"))


@dataclass(frozen=True)
class MeetingType:
    """A kind of customer call, with what the law lets us record for it and for how long."""

    name: str
    """Stable slug (``claims-inspection``); used as the S3 prefix and the ``meeting-type`` tag."""
    purpose: str
    """The purpose of processing, as stated in the record of processing activities."""
    legal_basis: str
    """One of ``vocabulary()['legal_bases']``: consent, contract, legal-obligation ..."""
    recording: str
    """``required``, ``optional`` or ``forbidden``."""
    mode: str
    """``audio`` or ``audio+video``: what may be stored (Art. 5(1)(c) minimisation)."""
    retention_days: int
    """Days a recording is kept before the lifecycle rule deletes it; 0 only when forbidden."""
    access_roles: tuple[str, ...]
    """Roles that may read recordings of this type (besides the DPO's erasure duty)."""
    notice: str
    """The text played or shown to participants before recording starts."""

    @property
    def records(self) -> bool:
        return self.recording != "forbidden"

    @property
    def prefix(self) -> str:
        """Object-key prefix of this meeting type's recordings in the recording bucket."""
        return f"recordings/{self.name}/"


@dataclass(frozen=True)
class Processor:
    """A processor or sub-processor under Art. 28, with its data-processing agreement."""

    name: str
    """Legal entity."""
    role: str
    """``processor`` or ``sub-processor``."""
    services: tuple[str, ...]
    """What it processes for us (``s3``, ``kms``, ``ec2`` ...)."""
    regions: tuple[str, ...]
    """Where it processes, all within the allowed regions."""
    dpa_reference: str
    """Reference to the signed DPA (document id or contract number)."""


@dataclass(frozen=True)
class Controller:
    """The controller (Art. 4(7)) on whose behalf calls are recorded."""

    name: str
    """Legal entity name."""
    id: str
    """Slug used in tags and resource names."""
    dpo_contact: str
    """The DPO's role mailbox or URL (Art. 37(7)); not a personal address."""


@dataclass(frozen=True)
class NetworkSettings:
    cidr: str
    """VPC CIDR; /16 to /24."""
    flow_log_retention_days: int
    """Days VPC flow logs are kept (bounded: Art. 5(1)(e))."""


@dataclass(frozen=True)
class TurnSizing:
    instance_type: str
    count: int
    realm: str
    """TURN realm (a domain name)."""
    relay_port_min: int
    relay_port_max: int
    ami: str
    """Image id or ``resolve:ssm:`` parameter of a Debian 12 image."""


@dataclass(frozen=True)
class MediaNodeSizing:
    instance_type: str
    min_size: int
    max_size: int
    media_port_min: int
    media_port_max: int
    ami: str


@dataclass(frozen=True)
class AuditReaderSettings:
    """``callvault:auditReader``: the live scan's read-only access, declared by the stack."""

    trusted_principals: tuple[str, ...] = ()
    """Who may assume the reader role (account roots, roles or users by ARN); none: no role,
    only the managed policy, to attach to a principal of your own."""
    external_id: str | None = None


@dataclass(frozen=True)
class StackConfig:
    """The validated configuration of one stack."""

    stack: str
    region: str
    allowed_regions: tuple[str, ...]
    controller: Controller
    meeting_types: tuple[MeetingType, ...]
    processors: tuple[Processor, ...]
    network: NetworkSettings
    turn: TurnSizing
    media_node: MediaNodeSizing
    log_retention_days: int
    """Days access logs and CloudTrail logs are kept."""
    audit_reader: AuditReaderSettings | None = None
    """Opt-in: the read-only IAM policy of ``gdpr-audit live`` (and a role to assume)."""

    def meeting_type(self, name: str) -> MeetingType:
        for meeting_type in self.meeting_types:
            if meeting_type.name == name:
                return meeting_type
        known = ", ".join(m.name for m in self.meeting_types)
        raise KeyError(f"unknown meeting type {_shown(name)} (known: {known})")

    @property
    def name_prefix(self) -> str:
        return f"{PROJECT}-{self.stack}"


# --- field readers: each names the full key in its error -------------------------------------


def _require(obj: Mapping[str, Any], field: str, key: str) -> Any:
    if field not in obj or obj[field] is None:
        raise ConfigError(f"{key}.{field}", "is required but missing")
    return obj[field]


def _str(obj: Mapping[str, Any], field: str, key: str, default: str | None = None) -> str:
    value = obj.get(field, default) if default is not None else _require(obj, field, key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{key}.{field}", f"must be a non-empty string (got {_shown(value)})")
    return value.strip()


def _choice(obj: Mapping[str, Any], field: str, key: str, allowed: Sequence[str]) -> str:
    value = _str(obj, field, key)
    if value not in allowed:
        raise ConfigError(f"{key}.{field}", f"{_shown(value)} is not one of {', '.join(allowed)}")
    return value


def _int(
    obj: Mapping[str, Any],
    field: str,
    key: str,
    *,
    minimum: int,
    maximum: int | None = None,
    default: int | None = None,
) -> int:
    value = obj.get(field, default) if default is not None else _require(obj, field, key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{key}.{field}", f"must be a whole number (got {_shown(value)})")
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise ConfigError(f"{key}.{field}", f"must be at least {minimum}{upper} (got {value})")
    return value


def _str_list(obj: Mapping[str, Any], field: str, key: str) -> tuple[str, ...]:
    value = _require(obj, field, key)
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(item, str) and item for item in value)
    ):
        raise ConfigError(
            f"{key}.{field}", f"must be a non-empty list of strings (got {_shown(value)})"
        )
    return tuple(value)


def _mapping(value: Any, key: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(key, f"must be a mapping (got {type(value).__name__})")
    return value


def _reject_unknown(obj: Mapping[str, Any], key: str, known: Sequence[str]) -> None:
    for field in obj:
        if field not in known:
            raise ConfigError(
                f"{key}.{field}", f"is not a known field (allowed: {', '.join(known)})"
            )


def _slug(obj: Mapping[str, Any], field: str, key: str) -> str:
    value = _str(obj, field, key)
    if not _NAME_PATTERN.match(value):
        raise ConfigError(
            f"{key}.{field}",
            f"{_shown(value)} must be 3-40 lowercase letters, digits or '-', "
            "starting with a letter",
        )
    return value


# --- sections ---------------------------------------------------------------------------------

_MEETING_TYPE_FIELDS = (
    "name",
    "purpose",
    "legalBasis",
    "recording",
    "mode",
    "retentionDays",
    "accessRoles",
    "notice",
)


def _meeting_type(raw: Any, key: str) -> MeetingType:
    obj = _mapping(raw, key)
    _reject_unknown(obj, key, _MEETING_TYPE_FIELDS)
    vocab = vocabulary()
    name = _slug(obj, "name", key)
    if "legalBasis" not in obj or obj["legalBasis"] in (None, ""):
        raise ConfigError(
            f"{key}.legalBasis",
            f"meeting type {_shown(name)} has no legal basis"
            f" (allowed: {', '.join(vocab['legal_bases'])})",
        )
    legal_basis = _choice(obj, "legalBasis", key, list(vocab["legal_bases"]))
    recording = _choice(obj, "recording", key, vocab["recording_policies"])
    if recording == "required" and legal_basis == "consent":
        raise ConfigError(
            f"{key}.recording",
            "'required' contradicts legalBasis 'consent' (consent can be refused or withdrawn);"
            " use recording 'optional' or a legal basis such as legal-obligation",
        )
    mode = _choice(obj, "mode", key, vocab["recording_modes"])
    if recording == "forbidden":
        retention_days = _int(obj, "retentionDays", key, minimum=0, maximum=0, default=0)
    else:
        retention_days = _int(obj, "retentionDays", key, minimum=1, maximum=3650)
    roles = _str_list(obj, "accessRoles", key)
    for role in roles:
        if role not in vocab["roles"]:
            raise ConfigError(
                f"{key}.accessRoles", f"{_shown(role)} is not one of {', '.join(vocab['roles'])}"
            )
    default_notice = (
        "This call is not recorded."
        if recording == "forbidden"
        else f"This call is recorded ({mode}) for: {_str(obj, 'purpose', key)}."
    )
    return MeetingType(
        name=name,
        purpose=_str(obj, "purpose", key),
        legal_basis=legal_basis,
        recording=recording,
        mode=mode,
        retention_days=retention_days,
        access_roles=roles,
        notice=_str(obj, "notice", key, default=default_notice),
    )


def _processor(raw: Any, key: str, allowed_regions: Sequence[str]) -> Processor:
    obj = _mapping(raw, key)
    _reject_unknown(obj, key, ("name", "role", "services", "regions", "dpaReference"))
    name = _str(obj, "name", key)
    if not isinstance(obj.get("dpaReference"), str) or not obj["dpaReference"].strip():
        raise ConfigError(
            f"{key}.dpaReference",
            f"processor {_shown(name)} has no DPA reference "
            "(Art. 28(3) requires a signed agreement)",
        )
    regions = _str_list(obj, "regions", key)
    for region in regions:
        if region not in allowed_regions:
            raise ConfigError(
                f"{key}.regions",
                f"{_shown(region)} is not an allowed region "
                f"(allowed: {', '.join(allowed_regions)})",
            )
    return Processor(
        name=name,
        role=_choice(obj, "role", key, vocabulary()["processor_roles"]),
        services=_str_list(obj, "services", key),
        regions=regions,
        dpa_reference=obj["dpaReference"].strip(),
    )


def _ports(obj: Mapping[str, Any], key: str, low_field: str, high_field: str) -> tuple[int, int]:
    low = _int(obj, low_field, key, minimum=1024, maximum=65535)
    high = _int(obj, high_field, key, minimum=1024, maximum=65535)
    if high < low:
        raise ConfigError(f"{key}.{high_field}", f"must be >= {low_field} ({low}) (got {high})")
    return low, high


_DEBIAN_AMI = "resolve:ssm:/aws/service/debian/release/12/latest/amd64"


def _turn(raw: Any, key: str) -> TurnSizing:
    obj = _mapping(raw, key)
    _reject_unknown(
        obj, key, ("instanceType", "count", "realm", "relayPortMin", "relayPortMax", "ami")
    )
    low, high = _ports(obj, key, "relayPortMin", "relayPortMax")
    return TurnSizing(
        instance_type=_str(obj, "instanceType", key),
        count=_int(obj, "count", key, minimum=1, maximum=10),
        realm=_str(obj, "realm", key),
        relay_port_min=low,
        relay_port_max=high,
        ami=_str(obj, "ami", key, default=_DEBIAN_AMI),
    )


def _media_node(raw: Any, key: str) -> MediaNodeSizing:
    obj = _mapping(raw, key)
    _reject_unknown(
        obj,
        key,
        ("instanceType", "minSize", "maxSize", "mediaPortMin", "mediaPortMax", "ami"),
    )
    min_size = _int(obj, "minSize", key, minimum=1, maximum=100)
    max_size = _int(obj, "maxSize", key, minimum=1, maximum=100)
    if max_size < min_size:
        raise ConfigError(f"{key}.maxSize", f"must be >= minSize ({min_size}) (got {max_size})")
    low, high = _ports(obj, key, "mediaPortMin", "mediaPortMax")
    return MediaNodeSizing(
        instance_type=_str(obj, "instanceType", key),
        min_size=min_size,
        max_size=max_size,
        media_port_min=low,
        media_port_max=high,
        ami=_str(obj, "ami", key, default=_DEBIAN_AMI),
    )


def _network(raw: Any, key: str) -> NetworkSettings:
    obj = _mapping(raw, key)
    _reject_unknown(obj, key, ("cidr", "flowLogRetentionDays"))
    cidr = _str(obj, "cidr", key)
    try:
        network = ipaddress.IPv4Network(cidr)
    except ValueError as err:
        raise ConfigError(f"{key}.cidr", f"{_shown(cidr)} is not an IPv4 CIDR ({err})") from None
    if not network.is_private or not 16 <= network.prefixlen <= 24:
        raise ConfigError(f"{key}.cidr", f"{_shown(cidr)} must be a private range of /16 to /24")
    return NetworkSettings(
        cidr=cidr,
        flow_log_retention_days=_int(obj, "flowLogRetentionDays", key, minimum=1, maximum=400),
    )


_TOP_LEVEL = (
    "allowedRegions",
    "controller",
    "meetingTypes",
    "processors",
    "network",
    "turn",
    "mediaNode",
    "logRetentionDays",
    "auditReader",
    "turnSharedSecret",
)

# A principal the reader role may trust: an account, role or user ARN, never a wildcard.
_PRINCIPAL = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(root|role/[\w+=,.@/-]+|user/[\w+=,.@/-]+)\Z")


def _audit_reader(raw: Any, key: str) -> AuditReaderSettings:
    obj = _mapping({} if raw is None else raw, key)
    _reject_unknown(obj, key, ("trustedPrincipals", "externalId"))
    principals = _str_list(obj, "trustedPrincipals", key) if "trustedPrincipals" in obj else ()
    for principal in principals:
        if not _PRINCIPAL.match(principal):
            raise ConfigError(
                f"{key}.trustedPrincipals",
                f"{_shown(principal)} is not an account, role or user ARN "
                "(arn:aws:iam::<12 digits>:root, :role/NAME or :user/NAME; no wildcards)",
            )
    external_id = _str(obj, "externalId", key) if "externalId" in obj else None
    if external_id is not None and not principals:
        raise ConfigError(f"{key}.externalId", "needs trustedPrincipals (it guards the role)")
    return AuditReaderSettings(trusted_principals=principals, external_id=external_id)


def stack_config_from_values(
    values: Mapping[str, Any], *, stack: str, region: str | None
) -> StackConfig:
    """Validate the ``callvault:`` config values (namespace stripped) of a stack.

    ``region`` is the ``aws:region`` config value. Raises :class:`ConfigError`.
    """
    ns = PROJECT
    for field in values:
        if field not in _TOP_LEVEL:
            raise ConfigError(
                f"{ns}:{field}", f"is not a known key (allowed: {', '.join(_TOP_LEVEL)})"
            )
    eu = eu_regions()
    allowed = _str_list(values, "allowedRegions", ns) if "allowedRegions" in values else (tuple(eu))
    for allowed_region in allowed:
        if allowed_region not in eu:
            raise ConfigError(
                f"{ns}:allowedRegions",
                f"{_shown(allowed_region)} is not an EU region (allowed: {', '.join(eu)})",
            )
    if not region:
        raise ConfigError("aws:region", f"is required (allowed: {', '.join(allowed)})")
    if region not in allowed:
        raise ConfigError(
            "aws:region",
            f"{_shown(region)} is not an allowed EU region (allowed: {', '.join(allowed)})",
        )

    controller_raw = _mapping(_require(values, "controller", ns), f"{ns}:controller")
    _reject_unknown(controller_raw, f"{ns}:controller", ("name", "id", "dpoContact"))
    controller = Controller(
        name=_str(controller_raw, "name", f"{ns}:controller"),
        id=_slug(controller_raw, "id", f"{ns}:controller"),
        dpo_contact=_str(controller_raw, "dpoContact", f"{ns}:controller"),
    )

    raw_types = _require(values, "meetingTypes", ns)
    if not isinstance(raw_types, list) or not raw_types:
        raise ConfigError(f"{ns}:meetingTypes", "must be a non-empty list of meeting types")
    meeting_types = tuple(
        _meeting_type(raw, f"{ns}:meetingTypes[{index}]") for index, raw in enumerate(raw_types)
    )
    names = [m.name for m in meeting_types]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(
                f"{ns}:meetingTypes", f"meeting type {_shown(name)} is declared twice"
            )

    raw_processors = _require(values, "processors", ns)
    if not isinstance(raw_processors, list) or not raw_processors:
        raise ConfigError(f"{ns}:processors", "must list every processor (Art. 28), got none")
    processors = tuple(
        _processor(raw, f"{ns}:processors[{index}]", allowed)
        for index, raw in enumerate(raw_processors)
    )

    return StackConfig(
        stack=stack,
        region=region,
        allowed_regions=allowed,
        controller=controller,
        meeting_types=meeting_types,
        processors=processors,
        network=_network(_require(values, "network", ns), f"{ns}:network"),
        turn=_turn(_require(values, "turn", ns), f"{ns}:turn"),
        media_node=_media_node(_require(values, "mediaNode", ns), f"{ns}:mediaNode"),
        log_retention_days=_int(values, "logRetentionDays", ns, minimum=1, maximum=3650),
        audit_reader=(
            _audit_reader(values["auditReader"], f"{ns}:auditReader")
            if "auditReader" in values
            else None
        ),
    )


def split_stack_file(document: Any, path: str) -> tuple[dict[str, Any], str | None]:
    """Split a parsed ``Pulumi.<stack>.yaml`` into (callvault values, aws:region)."""
    if not isinstance(document, Mapping) or not isinstance(document.get("config"), Mapping):
        raise ConfigError(path, "is not a Pulumi stack file (no top-level 'config' mapping)")
    values: dict[str, Any] = {}
    region: str | None = None
    for full_key, value in document["config"].items():
        namespace, _, field = str(full_key).partition(":")
        if namespace == "aws" and field == "region":
            region = value
        elif namespace == PROJECT:
            values[field] = value
        elif namespace != "aws":
            raise ConfigError(str(full_key), f"unknown config namespace {_shown(namespace)}")
    return values, region


def load_stack_file(path: str | Path, stack: str | None = None) -> StackConfig:
    """Read and validate a ``Pulumi.<stack>.yaml`` file. Raises :class:`ConfigError`."""
    file_path = Path(path)
    if stack is None:
        match = re.fullmatch(r"Pulumi\.(.+)\.yaml", file_path.name)
        stack = match.group(1) if match else file_path.stem
    try:
        document = load_yaml(decode_utf8(file_path.read_bytes()))
    except OSError as err:
        raise ConfigError(str(file_path), f"cannot be read ({err.strerror})") from None
    except UnsafeDocumentError as err:
        raise ConfigError(str(file_path), f"is refused: {err}") from None
    except yaml.YAMLError as err:
        raise ConfigError(
            str(file_path), f"is not valid YAML ({str(err).splitlines()[0]})"
        ) from None
    values, region = split_stack_file(document, str(file_path))
    return stack_config_from_values(values, stack=stack, region=region)


def to_stack_document(config: StackConfig) -> dict[str, Any]:
    """The ``Pulumi.<stack>.yaml`` document of a validated config (inverse of the loader).

    Secrets are not part of :class:`StackConfig` and so never appear here.
    """
    values: dict[str, Any] = {
        "allowedRegions": list(config.allowed_regions),
        "controller": {
            "name": config.controller.name,
            "id": config.controller.id,
            "dpoContact": config.controller.dpo_contact,
        },
        "logRetentionDays": config.log_retention_days,
        "meetingTypes": [
            {
                "name": m.name,
                "purpose": m.purpose,
                "legalBasis": m.legal_basis,
                "recording": m.recording,
                "mode": m.mode,
                "retentionDays": m.retention_days,
                "accessRoles": list(m.access_roles),
                "notice": m.notice,
            }
            for m in config.meeting_types
        ],
        "processors": [
            {
                "name": p.name,
                "role": p.role,
                "services": list(p.services),
                "regions": list(p.regions),
                "dpaReference": p.dpa_reference,
            }
            for p in config.processors
        ],
        "network": {
            "cidr": config.network.cidr,
            "flowLogRetentionDays": config.network.flow_log_retention_days,
        },
        "turn": {
            "instanceType": config.turn.instance_type,
            "count": config.turn.count,
            "realm": config.turn.realm,
            "relayPortMin": config.turn.relay_port_min,
            "relayPortMax": config.turn.relay_port_max,
            "ami": config.turn.ami,
        },
        "mediaNode": {
            "instanceType": config.media_node.instance_type,
            "minSize": config.media_node.min_size,
            "maxSize": config.media_node.max_size,
            "mediaPortMin": config.media_node.media_port_min,
            "mediaPortMax": config.media_node.media_port_max,
            "ami": config.media_node.ami,
        },
    }
    if config.audit_reader is not None:
        reader: dict[str, Any] = {}
        if config.audit_reader.trusted_principals:
            reader["trustedPrincipals"] = list(config.audit_reader.trusted_principals)
        if config.audit_reader.external_id is not None:
            reader["externalId"] = config.audit_reader.external_id
        values["auditReader"] = reader
    document: dict[str, Any] = {"aws:region": config.region}
    document.update({f"{PROJECT}:{key}": value for key, value in values.items()})
    return {"config": document}
