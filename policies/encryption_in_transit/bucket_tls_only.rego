# METADATA
# title: Buckets should refuse requests without TLS
# custom:
#   id: CV-EIT-001
#   severity: high
#   topic: encryption-in-transit
#   gdpr: ["Art. 32(1)(a)", "Art. 5(1)(f)"]
#   iso27001: ["A.8.24", "A.5.14"]
#   mapping: {"Art. 32(1)(a)": "partial", "Art. 5(1)(f)": "partial", "A.8.24": "partial", "A.5.14": "partial"}
#   applies_to: ["bucket"]
#   remediation: "Add a bucket-policy statement denying s3:* when aws:SecureTransport is false."
package callvault.rules.bucket_tls_only

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "bucket"
}

deny contains {"ref": f.ref, "msg": sprintf("Bucket %s has no policy denying requests without TLS", [f.id])} if {
	some f in input.facts
	f.kind == "bucket"
	not f.policy.tls_only == true
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"policy"})
}
