# METADATA
# title: The media-node role should only write recordings and use the recordings key with an encryption context
# custom:
#   id: CV-IAM-001
#   severity: high
#   topic: access-control
#   gdpr: ["Art. 32(1)(b)", "Art. 25(2)"]
#   iso27001: ["A.5.15", "A.8.2", "A.8.3"]
#   mapping: {"Art. 32(1)(b)": "partial", "Art. 25(2)": "partial", "A.5.15": "partial", "A.8.2": "partial", "A.8.3": "partial"}
#   applies_to: ["iam_role"]
#   remediation: "Limit the media-node policy to s3:PutObject/s3:AbortMultipartUpload on `<bucket>/recordings/*`, kms:GenerateDataKey/Decrypt conditioned on the encryption context, and at boot ssm:GetParameter on its two secrets, kms:Decrypt through SSM/S3 only and s3:GetObject on its wheel."
package callvault.rules.media_node_least_privilege

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "iam_role"
	f.workload == "media-node"
}

# audit/workloads.py decides the workload by behaviour (hosts, recording access); a role whose
# access could not be read might be this one, so the rule errors on it instead of passing.
applicable contains f.ref if {
	some f in input.facts
	f.kind == "iam_role"
	"workload" in object.get(f, "unknown", [])
}

s3_write := {"s3:PutObject", "s3:AbortMultipartUpload"}

kms_use := {"kms:GenerateDataKey", "kms:Decrypt"}

deny contains {"ref": f.ref, "msg": msg} if {
	some f in input.facts
	f.kind == "iam_role"
	f.workload == "media-node"
	some s in f.statements
	s.effect == "Allow"
	not allowed_statement(s)
	msg := sprintf("Media-node role %s allows %v on %v beyond recording writes and context-bound key use (judged by: %v; its name or tag claims: %v)", [f.id, s.actions, s.resources, object.get(f, "workload_evidence", []), object.get(f, "workload_hint", null)])
}

deny contains {"ref": f.ref, "msg": sprintf("Media-node role %s has managed policies attached: %v", [f.id, f.managed_policy_arns])} if {
	some f in input.facts
	f.kind == "iam_role"
	f.workload == "media-node"
	lib.non_empty_array(f.managed_policy_arns)
}

deny contains {"ref": f.ref, "msg": sprintf("Media-node role %s has an unreadable policy", [f.id])} if {
	some f in input.facts
	f.kind == "iam_role"
	f.workload == "media-node"
	not f.policies_readable == true
}

allowed_statement(s) if {
	count(s.actions) > 0
	every a in s.actions { a in s3_write }
	count(s.resources) > 0
	every r in s.resources { endswith(r, "/recordings/*") }
}

allowed_statement(s) if {
	count(s.actions) > 0
	every a in s.actions { a in kms_use }
	some key in s.condition_keys
	startswith(key, "kms:encryptioncontext")
}

# Boot: the node reads its own two secrets (TURN shared secret, API token secret) from SSM.
allowed_statement(s) if {
	count(s.actions) > 0
	every a in s.actions { a == "ssm:GetParameter" }
	count(s.resources) > 0
	every r in s.resources { regex.match(`:parameter/[^*]+/(turn/static-auth-secret|media-node/token-secret)$`, r) }
}

# Boot: decrypting those parameters and the wheel, only when SSM or S3 asks on its behalf.
allowed_statement(s) if {
	count(s.actions) > 0
	every a in s.actions { a == "kms:Decrypt" }
	"kms:viaservice" in s.condition_keys
}

# Boot: the one content-addressed wheel the node installs (never a bucket-wide read).
allowed_statement(s) if {
	count(s.actions) > 0
	every a in s.actions { a == "s3:GetObject" }
	count(s.resources) > 0
	every r in s.resources { regex.match(`/wheels/[0-9a-f]{64}/[^/*]+\.whl$`, r) }
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"managed_policy_arns", "policies_readable", "statements", "workload"})
}
