# METADATA
# title: KMS keys should not be multi-region
# custom:
#   id: CV-RES-002
#   severity: high
#   topic: residency
#   gdpr: ["Art. 44"]
#   iso27001: ["A.5.14", "A.8.24"]
#   mapping: {"Art. 44": "partial", "A.5.14": "partial", "A.8.24": "partial"}
#   applies_to: ["kms_key"]
#   remediation: "Set `multiRegion: false`; create a separate key per EU region instead of replicas."
package callvault.rules.kms_single_region

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "kms_key"
}

deny contains {"ref": f.ref, "msg": sprintf("KMS key %s is multi-region (or its setting is unknown): replicas can leave the EU", [f.id])} if {
	some f in input.facts
	f.kind == "kms_key"
	not f.multi_region == false
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"multi_region"})
}
