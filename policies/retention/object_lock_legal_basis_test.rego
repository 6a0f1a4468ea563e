# Rego unit tests for CV-RET-004 (object_lock_legal_basis.rego) in OPA's own idiom: `opa test
# --ignore '*.json' policies/` runs them as they are (the JSON fixtures are not OPA data); pytest
# runs each through the embedded OPA (tests/audit/test_rego_unit.py).
# The inputs are the rule's fixtures. Every missing or unknown (null) property the rule reads
# must make it deny, never allow.
package callvault.rules.object_lock_legal_basis_test

import rego.v1

import data.callvault.lib.testing

rule := "object_lock_legal_basis"

test_allows_locked if {
	"bucket:locked" in testing.applicable(rule, pass_context, pass_facts)
	not "bucket:locked" in testing.denied(rule, pass_context, pass_facts)
}

test_allows_rec if {
	"bucket:rec" in testing.applicable(rule, pass_context, pass_facts)
	not "bucket:rec" in testing.denied(rule, pass_context, pass_facts)
}

test_denies_rec if {
	"bucket:rec" in testing.denied(rule, fail_context, fail_facts)
}

test_missing_object_lock_is_not_allowed_rec if {
	f := json.remove(testing.fact(pass_facts, "bucket:rec"), ["object_lock"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_object_lock_is_not_allowed_rec if {
	f := json.patch(testing.fact(pass_facts, "bucket:rec"), [{"op": "replace", "path": "/object_lock", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_missing_object_lock_is_not_allowed_locked if {
	f := json.remove(testing.fact(pass_facts, "bucket:locked"), ["object_lock"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_object_lock_is_not_allowed_locked if {
	f := json.patch(testing.fact(pass_facts, "bucket:locked"), [{"op": "replace", "path": "/object_lock", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

# Hole unknown_meeting_type (object_lock_legal_basis.unknown_meeting_type.fail.json): the reproduction of a hole this rule let pass.
test_denies_unknown_meeting_type_rec_unknown_type if {
	"bucket:rec-unknown-type" in testing.denied(rule, unknown_meeting_type_context, unknown_meeting_type_facts)
}

test_denies_unknown_meeting_type_rec_no_type if {
	"bucket:rec-no-type" in testing.denied(rule, unknown_meeting_type_context, unknown_meeting_type_facts)
}

unknown_meeting_type_context := {
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

unknown_meeting_type_facts := [
	{
		"acl_public": false,
		"encryption": {
			"algorithm": "aws:kms",
			"bucket_key": true,
			"kms_key_id": "arn:aws:kms:eu-central-1:1:key/k"
		},
		"id": "rec-unknown-type",
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
		"meeting_type_tag": "town-hall",
		"object_lock": true,
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
		"ref": "bucket:rec-unknown-type",
		"region": "eu-central-1",
		"replication": [],
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"meeting-type": "town-hall",
			"purpose": "call-recording"
		},
		"versioning": true
	},
	{
		"acl_public": false,
		"encryption": {
			"algorithm": "aws:kms",
			"bucket_key": true,
			"kms_key_id": "arn:aws:kms:eu-central-1:1:key/k"
		},
		"id": "rec-no-type",
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
		"meeting_type_tag": null,
		"object_lock": true,
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
		"ref": "bucket:rec-no-type",
		"region": "eu-central-1",
		"replication": [],
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"purpose": "call-recording"
		},
		"versioning": true
	}
]

test_unknown_object_lock_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "bucket:locked"), [
		{"op": "add", "path": "/object_lock", "value": null},
		{"op": "add", "path": "/unknown", "value": ["object_lock"]},
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
			"algorithm": "aws:kms",
			"bucket_key": true,
			"kms_key_id": "arn:aws:kms:eu-central-1:1:key/k"
		},
		"id": "locked",
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
		"meeting_type_tag": "claims",
		"object_lock": true,
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
		"ref": "bucket:locked",
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
		"object_lock": true,
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
