# METADATA
# title: Resources should be in an allowed EU region
# custom:
#   id: CV-RES-001
#   severity: critical
#   topic: residency
#   gdpr: ["Art. 44", "Art. 28(3)(a)"]
#   iso27001: ["A.5.14", "A.5.31"]
#   mapping: {"Art. 44": "partial", "Art. 28(3)(a)": "partial", "A.5.14": "partial", "A.5.31": "partial"}
#   applies_to: ["bucket", "kms_key", "trail", "security_group", "instance", "launch_template", "log_group", "vpc", "turn_config", "ssm_parameter"]
#   remediation: "Declare the resource in one of the stack's allowed EU regions (set `region` explicitly on every resource)."
package callvault.rules.region_allowed

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind in lib.regional_kinds
}

deny contains {"ref": f.ref, "msg": msg} if {
	some f in input.facts
	f.kind in lib.regional_kinds
	is_string(f.region)
	not f.region in input.context.allowed_regions
	msg := sprintf("%s %s is in %s, outside the allowed regions %v", [f.kind, f.id, f.region, input.context.allowed_regions])
}

# Fail closed: a resource whose region the source does not reveal cannot be shown to stay in the EU.
deny contains {"ref": f.ref, "msg": msg} if {
	some f in input.facts
	f.kind in lib.regional_kinds
	not is_string(object.get(f, "region", null))
	msg := sprintf("%s %s has no known region; residency cannot be shown", [f.kind, f.id])
}
