# Rego unit tests for CV-EAR-001 (bucket_cmk.rego) in OPA's own idiom: `opa test
# --ignore '*.json' policies/` runs them as they are (the JSON fixtures are not OPA data); pytest
# runs each through the embedded OPA (tests/audit/test_rego_unit.py).
# The inputs are the rule's fixtures. Every missing or unknown (null) property the rule reads
# must make it deny, never allow.
package callvault.rules.bucket_cmk_test

import rego.v1

import data.callvault.lib.testing

rule := "bucket_cmk"

test_allows_logs if {
	"bucket:logs" in testing.applicable(rule, pass_context, pass_facts)
	not "bucket:logs" in testing.denied(rule, pass_context, pass_facts)
}

test_allows_rec if {
	"bucket:rec" in testing.applicable(rule, pass_context, pass_facts)
	not "bucket:rec" in testing.denied(rule, pass_context, pass_facts)
}

test_denies_b2 if {
	"bucket:b2" in testing.denied(rule, fail_context, fail_facts)
}

test_denies_rec if {
	"bucket:rec" in testing.denied(rule, fail_context, fail_facts)
}

test_missing_encryption_is_not_allowed_rec if {
	f := json.remove(testing.fact(pass_facts, "bucket:rec"), ["encryption"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_encryption_is_not_allowed_rec if {
	f := json.patch(testing.fact(pass_facts, "bucket:rec"), [{"op": "replace", "path": "/encryption", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_missing_encryption_algorithm_is_not_allowed_rec if {
	f := json.remove(testing.fact(pass_facts, "bucket:rec"), ["encryption/algorithm"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_encryption_algorithm_is_not_allowed_rec if {
	f := json.patch(testing.fact(pass_facts, "bucket:rec"), [{"op": "replace", "path": "/encryption/algorithm", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_missing_encryption_kms_key_id_is_not_allowed_rec if {
	f := json.remove(testing.fact(pass_facts, "bucket:rec"), ["encryption/kms_key_id"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_encryption_kms_key_id_is_not_allowed_rec if {
	f := json.patch(testing.fact(pass_facts, "bucket:rec"), [{"op": "replace", "path": "/encryption/kms_key_id", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_missing_encryption_is_not_allowed_logs if {
	f := json.remove(testing.fact(pass_facts, "bucket:logs"), ["encryption"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_encryption_is_not_allowed_logs if {
	f := json.patch(testing.fact(pass_facts, "bucket:logs"), [{"op": "replace", "path": "/encryption", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_missing_encryption_algorithm_is_not_allowed_logs if {
	f := json.remove(testing.fact(pass_facts, "bucket:logs"), ["encryption/algorithm"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_encryption_algorithm_is_not_allowed_logs if {
	f := json.patch(testing.fact(pass_facts, "bucket:logs"), [{"op": "replace", "path": "/encryption/algorithm", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_missing_purpose_is_not_allowed_logs if {
	f := json.remove(testing.fact(pass_facts, "bucket:logs"), ["purpose"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_purpose_is_not_allowed_logs if {
	f := json.patch(testing.fact(pass_facts, "bucket:logs"), [{"op": "replace", "path": "/purpose", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

# Hole alias_arn (bucket_cmk.alias_arn.fail.json): the reproduction of a hole this rule let pass.
test_denies_alias_arn_rec if {
	"bucket:rec" in testing.denied(rule, alias_arn_context, alias_arn_facts)
}

alias_arn_context := {
	"allowed_regions": [
		"eu-central-1",
		"eu-west-1"
	],
	"max_log_retention_days": 365,
	"meeting_types": {
		"claims": {
			"legal_basis": "legal-obligation",
			"mode": "audio+video",
			"prefix": "recordings/claims/",
			"recording": "required",
			"retention_days": 1095
		},
		"medical": {
			"legal_basis": "contract",
			"mode": "audio",
			"prefix": "recordings/medical/",
			"recording": "forbidden",
			"retention_days": 1
		},
		"support": {
			"legal_basis": "consent",
			"mode": "audio",
			"prefix": "recordings/support/",
			"recording": "optional",
			"retention_days": 30
		}
	},
	"stack": "fixture"
}

alias_arn_facts := [
	{
		"acl_public": false,
		"encryption": {
			"algorithm": "aws:kms",
			"bucket_key": true,
			"kms_key_id": "arn:aws:kms:eu-central-1:111122223333:alias/aws/s3"
		},
		"id": "rec",
		"kind": "bucket",
		"lifecycle": [
			{
				"enabled": true,
				"expiration_days": 1095,
				"id": "c",
				"noncurrent_expiration_days": 7,
				"object_filter": false,
				"prefix": "recordings/claims/"
			},
			{
				"enabled": true,
				"expiration_days": 30,
				"id": "s",
				"noncurrent_expiration_days": 7,
				"object_filter": false,
				"prefix": "recordings/support/"
			}
		],
		"logging": {
			"enabled": true,
			"target_bucket": "logs"
		},
		"meeting_type_tag": "all",
		"object_lock": false,
		"policy": {
			"denies_unencrypted_puts": true,
			"present": true,
			"public": false,
			"readable": true,
			"tls_only": true
		},
		"public_access_block": {
			"block_public_acls": true,
			"block_public_policy": true,
			"ignore_public_acls": true,
			"restrict_public_buckets": true
		},
		"purpose": "call-recording",
		"ref": "bucket:rec",
		"region": "eu-central-1",
		"replication": [],
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"meeting-type": "all",
			"purpose": "call-recording"
		},
		"versioning": true
	}
]

test_unknown_encryption_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "bucket:logs"), [
		{"op": "add", "path": "/encryption", "value": null},
		{"op": "add", "path": "/unknown", "value": ["encryption"]},
	])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

pass_context := {
	"allowed_regions": [
		"eu-central-1",
		"eu-west-1"
	],
	"max_log_retention_days": 365,
	"meeting_types": {
		"claims": {
			"legal_basis": "legal-obligation",
			"mode": "audio+video",
			"prefix": "recordings/claims/",
			"recording": "required",
			"retention_days": 1095
		},
		"medical": {
			"legal_basis": "contract",
			"mode": "audio",
			"prefix": "recordings/medical/",
			"recording": "forbidden",
			"retention_days": 1
		},
		"support": {
			"legal_basis": "consent",
			"mode": "audio",
			"prefix": "recordings/support/",
			"recording": "optional",
			"retention_days": 30
		}
	},
	"stack": "fixture"
}

pass_facts := [
	{
		"acl_public": false,
		"encryption": {
			"algorithm": "aws:kms",
			"bucket_key": true,
			"kms_key_id": "arn:aws:kms:eu-central-1:1:key/k"
		},
		"id": "rec",
		"kind": "bucket",
		"lifecycle": [
			{
				"enabled": true,
				"expiration_days": 1095,
				"id": "c",
				"noncurrent_expiration_days": 7,
				"prefix": "recordings/claims/"
			},
			{
				"enabled": true,
				"expiration_days": 30,
				"id": "s",
				"noncurrent_expiration_days": 7,
				"prefix": "recordings/support/"
			}
		],
		"logging": {
			"enabled": true,
			"target_bucket": "logs"
		},
		"meeting_type_tag": "all",
		"object_lock": false,
		"policy": {
			"denies_unencrypted_puts": true,
			"present": true,
			"public": false,
			"readable": true,
			"tls_only": true
		},
		"public_access_block": {
			"block_public_acls": true,
			"block_public_policy": true,
			"ignore_public_acls": true,
			"restrict_public_buckets": true
		},
		"purpose": "call-recording",
		"ref": "bucket:rec",
		"region": "eu-central-1",
		"replication": [],
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"meeting-type": "all",
			"purpose": "call-recording"
		},
		"versioning": true
	},
	{
		"acl_public": false,
		"encryption": {
			"algorithm": "AES256",
			"bucket_key": false,
			"kms_key_id": null
		},
		"id": "logs",
		"kind": "bucket",
		"lifecycle": [
			{
				"enabled": true,
				"expiration_days": 365,
				"id": "x",
				"noncurrent_expiration_days": 1,
				"prefix": ""
			}
		],
		"logging": {
			"enabled": false,
			"target_bucket": null
		},
		"meeting_type_tag": null,
		"object_lock": false,
		"policy": {
			"denies_unencrypted_puts": true,
			"present": true,
			"public": false,
			"readable": true,
			"tls_only": true
		},
		"public_access_block": {
			"block_public_acls": true,
			"block_public_policy": true,
			"ignore_public_acls": true,
			"restrict_public_buckets": true
		},
		"purpose": "access-logs",
		"ref": "bucket:logs",
		"region": "eu-central-1",
		"replication": [],
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"purpose": "access-logs"
		},
		"versioning": true
	}
]

fail_context := {
	"allowed_regions": [
		"eu-central-1",
		"eu-west-1"
	],
	"max_log_retention_days": 365,
	"meeting_types": {
		"claims": {
			"legal_basis": "legal-obligation",
			"mode": "audio+video",
			"prefix": "recordings/claims/",
			"recording": "required",
			"retention_days": 1095
		},
		"medical": {
			"legal_basis": "contract",
			"mode": "audio",
			"prefix": "recordings/medical/",
			"recording": "forbidden",
			"retention_days": 1
		},
		"support": {
			"legal_basis": "consent",
			"mode": "audio",
			"prefix": "recordings/support/",
			"recording": "optional",
			"retention_days": 30
		}
	},
	"stack": "fixture"
}

fail_facts := [
	{
		"acl_public": false,
		"encryption": {
			"algorithm": "AES256",
			"bucket_key": false,
			"kms_key_id": null
		},
		"id": "rec",
		"kind": "bucket",
		"lifecycle": [
			{
				"enabled": true,
				"expiration_days": 1095,
				"id": "c",
				"noncurrent_expiration_days": 7,
				"prefix": "recordings/claims/"
			},
			{
				"enabled": true,
				"expiration_days": 30,
				"id": "s",
				"noncurrent_expiration_days": 7,
				"prefix": "recordings/support/"
			}
		],
		"logging": {
			"enabled": true,
			"target_bucket": "logs"
		},
		"meeting_type_tag": "all",
		"object_lock": false,
		"policy": {
			"denies_unencrypted_puts": true,
			"present": true,
			"public": false,
			"readable": true,
			"tls_only": true
		},
		"public_access_block": {
			"block_public_acls": true,
			"block_public_policy": true,
			"ignore_public_acls": true,
			"restrict_public_buckets": true
		},
		"purpose": "call-recording",
		"ref": "bucket:rec",
		"region": "eu-central-1",
		"replication": [],
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"meeting-type": "all",
			"purpose": "call-recording"
		},
		"versioning": true
	},
	{
		"acl_public": false,
		"encryption": {
			"algorithm": null,
			"bucket_key": false,
			"kms_key_id": null
		},
		"id": "b2",
		"kind": "bucket",
		"lifecycle": [
			{
				"enabled": true,
				"expiration_days": 1095,
				"id": "c",
				"noncurrent_expiration_days": 7,
				"prefix": "recordings/claims/"
			},
			{
				"enabled": true,
				"expiration_days": 30,
				"id": "s",
				"noncurrent_expiration_days": 7,
				"prefix": "recordings/support/"
			}
		],
		"logging": {
			"enabled": true,
			"target_bucket": "logs"
		},
		"meeting_type_tag": "all",
		"object_lock": false,
		"policy": {
			"denies_unencrypted_puts": true,
			"present": true,
			"public": false,
			"readable": true,
			"tls_only": true
		},
		"public_access_block": {
			"block_public_acls": true,
			"block_public_policy": true,
			"ignore_public_acls": true,
			"restrict_public_buckets": true
		},
		"purpose": "call-recording",
		"ref": "bucket:b2",
		"region": "eu-central-1",
		"replication": [],
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"meeting-type": "all",
			"purpose": "call-recording"
		},
		"versioning": true
	}
]
