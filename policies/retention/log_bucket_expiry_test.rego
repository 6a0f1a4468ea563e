# Rego unit tests for CV-RET-005 (log_bucket_expiry.rego) in OPA's own idiom: `opa test
# --ignore '*.json' policies/` runs them as they are (the JSON fixtures are not OPA data); pytest
# runs each through the embedded OPA (tests/audit/test_rego_unit.py).
# The inputs are the rule's fixtures. Every missing or unknown (null) property the rule reads
# must make it deny, never allow.
package callvault.rules.log_bucket_expiry_test

import rego.v1

import data.callvault.lib.testing

rule := "log_bucket_expiry"

test_allows_logs if {
	"bucket:logs" in testing.applicable(rule, pass_context, pass_facts)
	not "bucket:logs" in testing.denied(rule, pass_context, pass_facts)
}

test_denies_logs if {
	"bucket:logs" in testing.denied(rule, fail_context, fail_facts)
}

test_missing_lifecycle_is_not_allowed if {
	f := json.remove(testing.fact(pass_facts, "bucket:logs"), ["lifecycle"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_lifecycle_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "bucket:logs"), [{"op": "replace", "path": "/lifecycle", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

# Hole tag_filter (log_bucket_expiry.tag_filter.fail.json): the reproduction of a hole this rule let pass.
test_denies_tag_filter_logs_tag_filtered if {
	"bucket:logs-tag-filtered" in testing.denied(rule, tag_filter_context, tag_filter_facts)
}

tag_filter_context := {
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

tag_filter_facts := [
	{
		"acl_public": false,
		"encryption": {
			"algorithm": "AES256",
			"bucket_key": false,
			"kms_key_id": null
		},
		"id": "logs-tag-filtered",
		"kind": "bucket",
		"lifecycle": [
			{
				"enabled": true,
				"expiration_days": 365,
				"id": "x",
				"noncurrent_expiration_days": 1,
				"object_filter": true,
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
		"ref": "bucket:logs-tag-filtered",
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

# Hole too_short (log_bucket_expiry.too_short.fail.json): the reproduction of a hole this rule let pass.
test_denies_too_short_logs_1d if {
	"bucket:logs-1d" in testing.denied(rule, too_short_context, too_short_facts)
}

too_short_context := {
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

too_short_facts := [
	{
		"acl_public": false,
		"encryption": {
			"algorithm": "AES256",
			"bucket_key": false,
			"kms_key_id": null
		},
		"id": "logs-1d",
		"kind": "bucket",
		"lifecycle": [
			{
				"enabled": true,
				"expiration_days": 1,
				"id": "x",
				"noncurrent_expiration_days": 1,
				"object_filter": false,
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
		"ref": "bucket:logs-1d",
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

test_unknown_lifecycle_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "bucket:logs"), [
		{"op": "add", "path": "/lifecycle", "value": null},
		{"op": "add", "path": "/unknown", "value": ["lifecycle"]},
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
				"object_filter": false,
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
		"id": "logs",
		"kind": "bucket",
		"lifecycle": [],
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
