# METADATA
# title: Resources of types the auditor does not read should still be in an allowed region
# custom:
#   id: CV-COV-002
#   severity: critical
#   topic: residency
#   gdpr: ["Art. 44", "Art. 28(1)"]
#   iso27001: ["A.5.14"]
#   mapping: {"Art. 44": "partial", "Art. 28(1)": "partial", "A.5.14": "partial"}
#   applies_to: ["resource"]
#   remediation: "Move the resource to an allowed EU region (callvault:allowedRegions) or remove it."
package callvault.rules.unassessed_region

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "resource"
}

deny contains {"ref": f.ref, "msg": sprintf("%s is in %s, outside the allowed regions", [f.id, f.region])} if {
	some f in input.facts
	f.kind == "resource"
	is_string(f.region)
	not f.region in input.context.allowed_regions
}

# Fail closed: a data-bearing resource whose region cannot be told may be anywhere.
deny contains {"ref": f.ref, "msg": sprintf("%s has no known region; residency cannot be shown", [f.id])} if {
	some f in input.facts
	f.kind == "resource"
	not is_string(object.get(f, "region", null))
	not object.get(f, "category", "unknown") in {"identity", "other"}
}
