# METADATA
# title: KMS keys should have a deletion window of at least 7 days
# custom:
#   id: CV-KEY-002
#   severity: medium
#   topic: key-management
#   gdpr: ["Art. 32(1)(b)", "Art. 32(1)(c)"]
#   iso27001: ["A.8.24", "A.8.13"]
#   mapping: {"Art. 32(1)(b)": "partial", "Art. 32(1)(c)": "partial", "A.8.24": "partial", "A.8.13": "partial"}
#   applies_to: ["kms_key"]
#   remediation: "Set `deletionWindowInDays` to 7 or more (30 recommended): deleting the key erases every recording it protects."
package callvault.rules.kms_deletion_window

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "kms_key"
}

deny contains {"ref": f.ref, "msg": sprintf("KMS key %s has a deletion window of %v days", [f.id, object.get(f, "deletion_window_days", null)])} if {
	some f in input.facts
	f.kind == "kms_key"
	not object.get(f, "deletion_window_days", null) >= 7
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"deletion_window_days"})
}
