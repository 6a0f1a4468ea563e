# METADATA
# title: Buckets should be encrypted with a customer-managed KMS key
# custom:
#   id: CV-EAR-001
#   severity: high
#   topic: encryption-at-rest
#   gdpr: ["Art. 32(1)(a)", "Art. 5(1)(f)"]
#   iso27001: ["A.8.24"]
#   mapping: {"Art. 32(1)(a)": "partial", "Art. 5(1)(f)": "partial", "A.8.24": "partial"}
#   applies_to: ["bucket"]
#   remediation: "Add a BucketServerSideEncryptionConfiguration with sseAlgorithm `aws:kms` and the ARN of a customer-managed key."
package callvault.rules.bucket_cmk

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "bucket"
}

deny contains {"ref": f.ref, "msg": msg} if {
	some f in input.facts
	f.kind == "bucket"
	not uses_cmk(f)
	not access_log_target_with_sse_s3(f)
	msg := sprintf("Bucket %s is not encrypted with a customer-managed KMS key (algorithm: %v)", [f.id, object.get(f, ["encryption", "algorithm"], null)])
}

uses_cmk(f) if {
	f.encryption.algorithm in {"aws:kms", "aws:kms:dsse"}
	is_string(f.encryption.kms_key_id)
	f.encryption.kms_key_id != ""
	not aws_managed_alias(f.encryption.kms_key_id)
}

# An AWS-managed key named by its alias, bare or as an ARN (arn:aws:kms:...:alias/aws/s3).
aws_managed_alias(key_id) if startswith(key_id, "alias/aws/")

aws_managed_alias(key_id) if contains(key_id, ":alias/aws/")

# S3 server access logs can only be delivered to buckets encrypted with SSE-S3 (an AWS limit),
# so AES256 is the strongest setting an access-log target bucket can have.
access_log_target_with_sse_s3(f) if {
	f.purpose == "access-logs"
	not f.holds_recordings == true # a recording bucket tagged access-logs gets no exemption
	f.encryption.algorithm == "AES256"
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"encryption"})
}
