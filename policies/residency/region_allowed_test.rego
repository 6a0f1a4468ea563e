# Rego unit tests for CV-RES-001 (region_allowed.rego) in OPA's own idiom: `opa test
# --ignore '*.json' policies/` runs them as they are (the JSON fixtures are not OPA data); pytest
# runs each through the embedded OPA (tests/audit/test_rego_unit.py).
# The inputs are the rule's fixtures. Every missing or unknown (null) property the rule reads
# must make it deny, never allow.
package callvault.rules.region_allowed_test

import rego.v1

import data.callvault.lib.testing

rule := "region_allowed"

test_allows_rec if {
	"bucket:rec" in testing.applicable(rule, pass_context, pass_facts)
	not "bucket:rec" in testing.denied(rule, pass_context, pass_facts)
}

test_allows_k1 if {
	"kms_key:k1" in testing.applicable(rule, pass_context, pass_facts)
	not "kms_key:k1" in testing.denied(rule, pass_context, pass_facts)
}

test_denies_rec if {
	"bucket:rec" in testing.denied(rule, fail_context, fail_facts)
}

test_denies_k1 if {
	"kms_key:k1" in testing.denied(rule, fail_context, fail_facts)
}

# A secret in Parameter Store is data too: its region is judged like a bucket's.
parameter(region) := {
	"id": "/cv/turn/static-auth-secret",
	"kind": "ssm_parameter",
	"ref": "ssm_parameter:/cv/turn/static-auth-secret",
	"region": region,
	"source": "fixture",
}

test_allows_a_parameter_in_an_allowed_region if {
	p := parameter("eu-central-1")
	p.ref in testing.applicable(rule, pass_context, [p])
	not p.ref in testing.denied(rule, pass_context, [p])
}

test_denies_a_parameter_outside_the_allowed_regions if {
	p := parameter("us-east-1")
	p.ref in testing.denied(rule, pass_context, [p])
}

test_missing_region_is_not_allowed_rec if {
	f := json.remove(testing.fact(pass_facts, "bucket:rec"), ["region"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_region_is_not_allowed_rec if {
	f := json.patch(testing.fact(pass_facts, "bucket:rec"), [{"op": "replace", "path": "/region", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_missing_region_is_not_allowed_k1 if {
	f := json.remove(testing.fact(pass_facts, "kms_key:k1"), ["region"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_region_is_not_allowed_k1 if {
	f := json.patch(testing.fact(pass_facts, "kms_key:k1"), [{"op": "replace", "path": "/region", "value": null}])
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
		"deletion_window_days": 30,
		"id": "k1",
		"key_usage": "ENCRYPT_DECRYPT",
		"kind": "kms_key",
		"multi_region": false,
		"policy_grants_all_actions": false,
		"policy_public": false,
		"policy_readable": true,
		"purpose": "call-recording",
		"ref": "kms_key:k1",
		"region": "eu-central-1",
		"rotation_enabled": true,
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"meeting-type": "all",
			"purpose": "call-recording"
		}
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
		"region": "us-west-2",
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
		"deletion_window_days": 30,
		"id": "k1",
		"key_usage": "ENCRYPT_DECRYPT",
		"kind": "kms_key",
		"multi_region": false,
		"policy_grants_all_actions": false,
		"policy_public": false,
		"policy_readable": true,
		"purpose": "call-recording",
		"ref": "kms_key:k1",
		"region": null,
		"rotation_enabled": true,
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"meeting-type": "all",
			"purpose": "call-recording"
		}
	}
]
