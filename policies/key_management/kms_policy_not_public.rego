# METADATA
# title: KMS key policies should not allow anyone
# custom:
#   id: CV-KEY-003
#   severity: critical
#   topic: key-management
#   gdpr: ["Art. 32(1)(b)", "Art. 5(1)(f)"]
#   iso27001: ["A.8.24", "A.5.15"]
#   mapping: {"Art. 32(1)(b)": "partial", "Art. 5(1)(f)": "partial", "A.8.24": "partial", "A.5.15": "partial"}
#   applies_to: ["kms_key"]
#   remediation: "Remove statements with Principal `*` (or narrow them with conditions)."
package callvault.rules.kms_policy_not_public

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "kms_key"
}

deny contains {"ref": f.ref, "msg": sprintf("KMS key %s has a policy that allows any principal (or cannot be read)", [f.id])} if {
	some f in input.facts
	f.kind == "kms_key"
	not private_policy(f)
}

private_policy(f) if {
	f.policy_public == false
	f.policy_readable == true
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"policy_public", "policy_readable"})
}
