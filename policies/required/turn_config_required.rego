# METADATA
# title: Every TURN host should carry a coturn configuration the auditor can read
# custom:
#   id: CV-REQ-003
#   severity: high
#   topic: minimisation
#   gdpr: ["Art. 5(1)(c)", "Art. 32(1)(a)"]
#   iso27001: ["A.8.9", "A.8.20"]
#   mapping: {"Art. 5(1)(c)": "partial", "Art. 32(1)(a)": "partial", "A.8.9": "partial", "A.8.20": "partial"}
#   applies_to: ["stack"]
#   remediation: "Deliver /etc/turnserver.conf through the host's cloud-init write_files (rendered by infra.turn_config), plain, base64 or gzip."
package callvault.rules.turn_config_required

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "stack"
}

deny contains {"ref": f.ref, "msg": sprintf("Stack %s: TURN host %s has no readable /etc/turnserver.conf: its TURN rules cannot be checked", [f.id, h])} if {
	some f in input.facts
	f.kind == "stack"
	some h in f.turn_hosts_without_config
}

deny contains {"ref": f.ref, "msg": sprintf("Stack %s: the TURN hosts are unknown", [f.id])} if {
	some f in input.facts
	f.kind == "stack"
	not is_array(object.get(f, "turn_hosts_without_config", null))
	not "turn_hosts_without_config" in object.get(f, "unknown", [])
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"turn_hosts_without_config"})
}
