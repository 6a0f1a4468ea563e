# METADATA
# title: Log groups should keep events at least the minimum and at most the maximum log retention
# custom:
#   id: CV-RET-003
#   severity: medium
#   topic: retention
#   gdpr: ["Art. 5(1)(e)"]
#   iso27001: ["A.8.15", "A.8.10"]
#   mapping: {"Art. 5(1)(e)": "partial", "A.8.15": "partial", "A.8.10": "partial"}
#   applies_to: ["log_group"]
#   remediation: "Set `retentionInDays` between the minimum log retention (90 days) and the stack's logRetentionDays."
package callvault.rules.log_group_retention

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "log_group"
}

deny contains {"ref": f.ref, "msg": sprintf("Log group %s keeps events for %v days (0 = forever); must be %d to %d", [f.id, object.get(f, "retention_days", null), lib.min_log_retention_days, input.context.max_log_retention_days])} if {
	some f in input.facts
	f.kind == "log_group"
	not bounded(f)
}

bounded(f) if {
	f.retention_days >= lib.min_log_retention_days
	f.retention_days <= input.context.max_log_retention_days
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"retention_days"})
}
