# METADATA
# title: Instance volumes should be encrypted
# custom:
#   id: CV-EAR-004
#   severity: high
#   topic: encryption-at-rest
#   gdpr: ["Art. 32(1)(a)"]
#   iso27001: ["A.8.24"]
#   mapping: {"Art. 32(1)(a)": "partial", "A.8.24": "partial"}
#   applies_to: ["instance", "launch_template"]
#   remediation: "Set `encrypted: true` (with a customer-managed kmsKeyId) on every root and EBS block device."
package callvault.rules.ebs_encrypted

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind in {"instance", "launch_template"}
}

deny contains {"ref": f.ref, "msg": sprintf("%s %s has an unencrypted (or unspecified) EBS volume", [f.kind, f.id])} if {
	some f in input.facts
	f.kind in {"instance", "launch_template"}
	not f.ebs_encrypted == true
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"ebs_encrypted"})
}
