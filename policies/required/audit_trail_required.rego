# METADATA
# title: The stack should have a multi-region trail recording reads and writes of every recording bucket
# custom:
#   id: CV-REQ-001
#   severity: high
#   topic: logging
#   gdpr: ["Art. 5(2)", "Art. 32(1)(b)"]
#   iso27001: ["A.8.15", "A.8.16"]
#   mapping: {"Art. 5(2)": "partial", "Art. 32(1)(b)": "partial", "A.8.15": "partial", "A.8.16": "partial"}
#   applies_to: ["stack"]
#   remediation: "Declare a multi-region CloudTrail trail (isMultiRegionTrail, logging on) with an S3 data-event selector (readWriteType All) covering each recording bucket."
package callvault.rules.audit_trail_required

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "stack"
}

deny contains {"ref": f.ref, "msg": sprintf("Stack %s has no multi-region CloudTrail trail", [f.id])} if {
	some f in input.facts
	f.kind == "stack"
	not lib.non_empty_array(object.get(f, "multi_region_trails", null))
}

deny contains {"ref": f.ref, "msg": sprintf("Stack %s: no multi-region, logging trail records reads and writes of recording bucket %s", [f.id, b])} if {
	some f in input.facts
	f.kind == "stack"
	some b in f.recording_buckets_without_trail
}

deny contains {"ref": f.ref, "msg": sprintf("Stack %s: trail coverage of the recording buckets was not derived", [f.id])} if {
	some f in input.facts
	f.kind == "stack"
	not is_array(object.get(f, "recording_buckets_without_trail", null))
	not "recording_buckets_without_trail" in object.get(f, "unknown", [])
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"recording_buckets_without_trail", "multi_region_trails"})
}
