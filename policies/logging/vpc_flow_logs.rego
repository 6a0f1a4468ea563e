# METADATA
# title: VPCs should have flow logs of all traffic
# custom:
#   id: CV-LOG-004
#   severity: medium
#   topic: logging
#   gdpr: ["Art. 32(1)(b)", "Art. 5(2)"]
#   iso27001: ["A.8.15", "A.8.16"]
#   mapping: {"Art. 32(1)(b)": "partial", "Art. 5(2)": "partial", "A.8.15": "partial", "A.8.16": "partial"}
#   applies_to: ["vpc"]
#   remediation: "Add an aws.ec2.FlowLog (trafficType ALL) for the VPC."
package callvault.rules.vpc_flow_logs

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "vpc"
}

deny contains {"ref": f.ref, "msg": sprintf("VPC %s has no flow log recording ALL traffic (accepted and rejected)", [f.id])} if {
	some f in input.facts
	f.kind == "vpc"
	not logs_all_traffic(f)
}

# A REJECT-only (or ACCEPT-only) flow log misses half of the connections.
logs_all_traffic(f) if {
	some log in f.flow_logs
	log.traffic_type == "ALL"
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"flow_logs"})
}
