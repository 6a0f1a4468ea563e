# METADATA
# title: Media nodes should not have public IP addresses
# custom:
#   id: CV-RSL-002
#   severity: medium
#   topic: network
#   gdpr: ["Art. 32(1)(b)"]
#   iso27001: ["A.8.20", "A.8.22"]
#   mapping: {"Art. 32(1)(b)": "partial", "A.8.20": "partial", "A.8.22": "partial"}
#   applies_to: ["instance"]
#   remediation: "Run media nodes in private subnets; only the TURN relays face the internet."
package callvault.rules.instance_no_public_ip

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "instance"
	f.purpose == "call-recording"
}

deny contains {"ref": f.ref, "msg": sprintf("Recording instance %s has a public IP address (or the setting is unknown)", [f.id])} if {
	some f in input.facts
	f.kind == "instance"
	f.purpose == "call-recording"
	not f.public_ip == false
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"public_ip"})
}
