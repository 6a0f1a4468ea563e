# METADATA
# title: Every host that runs the media node should run under a role the auditor can judge
# custom:
#   id: CV-REQ-005
#   severity: high
#   topic: access-control
#   gdpr: ["Art. 32(1)(b)", "Art. 25(2)"]
#   iso27001: ["A.5.15", "A.8.2"]
#   mapping: {"Art. 32(1)(b)": "partial", "Art. 25(2)": "partial", "A.5.15": "partial", "A.8.2": "partial"}
#   applies_to: ["stack"]
#   remediation: "Give every media-node instance or launch template an instance profile (aws.iam.InstanceProfile) whose role is declared in the same stack, so CV-IAM-001 judges what the node may do."
package callvault.rules.media_node_role_required

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "stack"
}

deny contains {"ref": f.ref, "msg": sprintf("Stack %s: media-node host %s runs under no role the stack declares (no instance profile, or one holding no known role): what the node may do cannot be judged", [f.id, h])} if {
	some f in input.facts
	f.kind == "stack"
	some h in f.media_node_hosts_without_role
}

deny contains {"ref": f.ref, "msg": sprintf("Stack %s: the media-node hosts' roles are unknown", [f.id])} if {
	some f in input.facts
	f.kind == "stack"
	not is_array(object.get(f, "media_node_hosts_without_role", null))
	not "media_node_hosts_without_role" in object.get(f, "unknown", [])
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"media_node_hosts_without_role"})
}
