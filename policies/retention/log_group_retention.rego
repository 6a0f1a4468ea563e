# METADATA
# title: Log groups should have a bounded retention
# custom:
#   id: CV-RET-003
#   severity: medium
#   topic: retention
#   gdpr: ["Art. 5(1)(e)"]
#   iso27001: ["A.8.15", "A.8.10"]
#   applies_to: ["log_group"]
#   remediation: "Set `retentionInDays` to a value no longer than the stack's logRetentionDays."
package callvault.rules.log_group_retention

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "log_group"
}

deny contains {"ref": f.ref, "msg": sprintf("Log group %s keeps events for %v days (0 = forever); bound is %d", [f.id, object.get(f, "retention_days", null), input.context.max_log_retention_days])} if {
	some f in input.facts
	f.kind == "log_group"
	not bounded(f)
}

bounded(f) if {
	f.retention_days > 0
	f.retention_days <= input.context.max_log_retention_days
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"retention_days"})
}
