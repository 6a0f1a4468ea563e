# METADATA
# title: TURN servers should not log client IP addresses
# custom:
#   id: CV-MIN-002
#   severity: medium
#   topic: minimisation
#   gdpr: ["Art. 5(1)(c)", "Art. 25(2)"]
#   iso27001: ["A.8.11", "A.5.34"]
#   mapping: {"Art. 5(1)(c)": "partial", "Art. 25(2)": "partial", "A.8.11": "partial", "A.5.34": "partial"}
#   applies_to: ["turn_config"]
#   remediation: "Send coturn's session log to /dev/null with `no-stdout-log`, and do not enable `verbose` or `syslog`."
package callvault.rules.turn_no_client_ip_logs

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "turn_config"
}

deny contains {"ref": f.ref, "msg": sprintf("TURN config %s writes a session log with client IP addresses", [f.id])} if {
	some f in input.facts
	f.kind == "turn_config"
	not f.logs_client_ips == false
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"logs_client_ips"})
}
