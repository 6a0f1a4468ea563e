# METADATA
# title: TURN servers should not run the admin CLI
# custom:
#   id: CV-TURN-004
#   severity: high
#   topic: network
#   gdpr: ["Art. 32(1)(b)"]
#   iso27001: ["A.8.18", "A.8.5"]
#   mapping: {"Art. 32(1)(b)": "partial", "A.8.18": "full", "A.8.5": "partial"}
#   applies_to: ["turn_config"]
#   remediation: "Set `no-cli` in turnserver.conf: coturn's telnet CLI has a default password and shows live sessions."
package callvault.rules.turn_no_cli

import rego.v1

applicable contains f.ref if {
	some f in input.facts
	f.kind == "turn_config"
}

deny contains {"ref": f.ref, "msg": sprintf("TURN config %s runs coturn's admin CLI", [f.id])} if {
	some f in input.facts
	f.kind == "turn_config"
	not f.cli_enabled == false
}
