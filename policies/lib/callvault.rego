# Helpers shared by the CallVault rules. Plain Rego v1: no metadata or net builtins (see
# DESIGN.md), so it runs the same on regopy and on an OPA server.
package callvault.lib

import rego.v1

# Kinds that live in a region.
regional_kinds := {
	"bucket", "kms_key", "trail", "security_group", "instance",
	"launch_template", "log_group", "vpc", "turn_config", "ssm_parameter",
}

# Logs are kept at least this long, so a breach found months later can still be investigated
# and reported (Art. 33(3), ISO 27001 A.8.15); the stack's logRetentionDays is the maximum.
min_log_retention_days := 90

facts_of(kind) := [f | some f in input.facts; f.kind == kind]

# True when a security-group rule covers `port` for `protocol`.
covers_port(rule, protocol, port) if {
	rule.protocol in {"all", protocol}
	rule.from_port <= port
	port <= rule.to_port
}

# Meeting types a recording bucket (or key) holds, from its meeting-type tag.
stored_meeting_types(f) := object.keys(input.context.meeting_types) if {
	f.meeting_type_tag == "all"
}

stored_meeting_types(f) := {f.meeting_type_tag} if {
	f.meeting_type_tag != "all"
	is_string(f.meeting_type_tag)
}

# Meeting types whose recordings are stored at all.
recorded_meeting_types contains name if {
	some name, mt in input.context.meeting_types
	mt.recording != "forbidden"
}

# Three-valued facts (docs/facts.md): a property listed in a fact's `unknown` has no value yet
# (a preview's unknown, an unresolved join). A rule that reads one must not pass: it adds
# `deny contains lib.undecided(f, p) if { ...; some p in lib.unknown_among(f, {...}) }`, and
# the evaluator reports such a denial as an `error`.
unknown_among(f, properties) := {p | some p in object.get(f, "unknown", []); p in properties}

undecided(f, p) := {"ref": f.ref, "msg": sprintf("cannot be decided: %s is unknown", [p])}

# A bucket (or key) holds recordings when the facts say so (audit/scope.py derives it from who
# writes it, its key and its prefixes) or its purpose tag says so.
holds_recordings(f) if f.holds_recordings == true

holds_recordings(f) if f.purpose == "call-recording"

# An array with at least one element (false for null, a missing value or anything else).
non_empty_array(x) if {
	is_array(x)
	count(x) > 0
}

# Categories of resource types the auditor does not read that fail closed (audit/coverage.py).
risky_categories := {"storage", "key", "compute", "database", "network", "unknown"}
