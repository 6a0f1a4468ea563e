# METADATA
# title: Every fact should carry the properties that decide which rules judge it
# custom:
#   id: CV-SCP-003
#   severity: high
#   topic: processors
#   gdpr: ["Art. 5(2)"]
#   iso27001: ["A.5.9"]
#   mapping: {"Art. 5(2)": "partial", "A.5.9": "partial"}
#   applies_to: ["bucket", "kms_key", "iam_role", "instance", "launch_template", "security_group", "meeting_type"]
#   remediation: "Produce facts with the collectors of audit/ (gdpr-audit facts shows them): a fact without its scope properties would drop out of the rules scoped on them."
package callvault.rules.scope_properties_present

import rego.v1

# The properties rules scope on (recording buckets, the media-node role, TURN hosts, meeting
# types). The collectors always write them, null when not set; a missing one means the fact
# did not come from them, and every rule scoped on it would go quiet.
scope_properties := {
	"bucket": ["purpose", "holds_recordings"],
	"kms_key": ["purpose"],
	"iam_role": ["workload"],
	"instance": ["purpose"],
	"launch_template": ["purpose"],
	"security_group": ["purpose"],
	"meeting_type": ["mode", "legal_basis", "recording"],
}

applicable contains f.ref if {
	some f in input.facts
	scope_properties[f.kind]
}

deny contains {"ref": f.ref, "msg": sprintf("%s %s has no %s: the rules scoped on it cannot tell whether they apply", [f.kind, f.id, p])} if {
	some f in input.facts
	some p in scope_properties[f.kind]
	not p in object.keys(f)
}
