# METADATA
# title: KMS key policies should grant named actions, not kms:*
# custom:
#   id: CV-KEY-004
#   severity: medium
#   topic: key-management
#   gdpr: ["Art. 32(1)(b)", "Art. 25(2)"]
#   iso27001: ["A.5.15", "A.8.2"]
#   mapping: {"Art. 32(1)(b)": "partial", "Art. 25(2)": "partial", "A.5.15": "partial", "A.8.2": "partial"}
#   applies_to: ["kms_key"]
#   remediation: "Replace `kms:*` with the administrative and usage actions each principal needs."
package callvault.rules.kms_no_wildcard_actions

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "kms_key"
}

deny contains {"ref": f.ref, "msg": sprintf("KMS key %s grants kms:* (every key action)", [f.id])} if {
	some f in input.facts
	f.kind == "kms_key"
	not f.policy_grants_all_actions == false
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"policy_grants_all_actions"})
}
