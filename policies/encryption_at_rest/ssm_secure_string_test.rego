# Rego unit tests for CV-EAR-007 (ssm_secure_string.rego) in OPA's own idiom: `opa test
# --ignore '*.json' policies/` runs them as they are (the JSON fixtures are not OPA data); pytest
# runs each through the embedded OPA (tests/audit/test_rego_unit.py).
# The inputs are the rule's fixtures. Every missing or unknown (null) property the rule reads
# must make it deny, never allow.
package callvault.rules.ssm_secure_string_test

import rego.v1

import data.callvault.lib.testing

rule := "ssm_secure_string"

secret := "ssm_parameter:/cv/turn/static-auth-secret"

plain := "ssm_parameter:/cv/config/region"

test_allows_a_secure_string_under_a_customer_managed_key if {
	secret in testing.applicable(rule, pass_context, pass_facts)
	not secret in testing.denied(rule, pass_context, pass_facts)
}

test_allows_a_plain_string_that_names_and_classifies_no_secret if {
	plain in testing.applicable(rule, pass_context, pass_facts)
	not plain in testing.denied(rule, pass_context, pass_facts)
}

test_denies_a_string_whose_name_marks_a_secret if {
	"ssm_parameter:/cv/media-node/token-secret" in testing.denied(rule, fail_context, fail_facts)
}

test_denies_a_secure_string_under_the_aws_managed_key if {
	secret in testing.denied(rule, fail_context, fail_facts)
}

test_denies_a_string_classified_special_category if {
	"ssm_parameter:/cv/db/host" in testing.denied(rule, fail_context, fail_facts)
}

test_denies_the_aws_managed_key_by_alias_arn if {
	f := json.patch(testing.fact(pass_facts, secret), [{"op": "replace", "path": "/kms_key_id", "value": "arn:aws:kms:eu-central-1:1:alias/aws/ssm"}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_missing_type_is_not_allowed_secret if {
	f := json.remove(testing.fact(pass_facts, secret), ["type"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_missing_kms_key_id_is_not_allowed_secret if {
	f := json.remove(testing.fact(pass_facts, secret), ["kms_key_id"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_kms_key_id_is_not_allowed_secret if {
	f := json.patch(testing.fact(pass_facts, secret), [{"op": "replace", "path": "/kms_key_id", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_missing_name_is_not_allowed_plain if {
	f := json.remove(testing.fact(pass_facts, plain), ["name"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_name_is_not_allowed_plain if {
	f := json.patch(testing.fact(pass_facts, plain), [{"op": "replace", "path": "/name", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_missing_tags_is_not_allowed_plain if {
	f := json.remove(testing.fact(pass_facts, plain), ["tags"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_tags_is_not_allowed_plain if {
	f := json.patch(testing.fact(pass_facts, plain), [{"op": "replace", "path": "/tags", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_unknown_tags_is_not_allowed_plain if {
	f := json.patch(testing.fact(pass_facts, plain), [
		{"op": "replace", "path": "/tags", "value": null},
		{"op": "add", "path": "/unknown", "value": ["tags"]},
	])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_unknown_type_is_not_allowed_secret if {
	f := json.patch(testing.fact(pass_facts, secret), [
		{"op": "replace", "path": "/type", "value": null},
		{"op": "add", "path": "/unknown", "value": ["type"]},
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
		"id": "/cv/turn/static-auth-secret",
		"kind": "ssm_parameter",
		"kms_key_id": "arn:aws:kms:eu-central-1:1:key/p",
		"name": "/cv/turn/static-auth-secret",
		"purpose": "media-relay",
		"ref": "ssm_parameter:/cv/turn/static-auth-secret",
		"region": "eu-central-1",
		"source": "fixture",
		"tags": {
			"data-classification": "confidential",
			"purpose": "media-relay"
		},
		"type": "SecureString"
	},
	{
		"id": "/cv/config/region",
		"kind": "ssm_parameter",
		"kms_key_id": null,
		"name": "/cv/config/region",
		"purpose": "media-relay",
		"ref": "ssm_parameter:/cv/config/region",
		"region": "eu-central-1",
		"source": "fixture",
		"tags": {
			"data-classification": "internal",
			"purpose": "media-relay"
		},
		"type": "String"
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
		"id": "/cv/media-node/token-secret",
		"kind": "ssm_parameter",
		"kms_key_id": null,
		"name": "/cv/media-node/token-secret",
		"purpose": null,
		"ref": "ssm_parameter:/cv/media-node/token-secret",
		"region": "eu-central-1",
		"source": "fixture",
		"tags": {},
		"type": "String"
	},
	{
		"id": "/cv/turn/static-auth-secret",
		"kind": "ssm_parameter",
		"kms_key_id": "alias/aws/ssm",
		"name": "/cv/turn/static-auth-secret",
		"purpose": "media-relay",
		"ref": "ssm_parameter:/cv/turn/static-auth-secret",
		"region": "eu-central-1",
		"source": "fixture",
		"tags": {
			"data-classification": "confidential",
			"purpose": "media-relay"
		},
		"type": "SecureString"
	},
	{
		"id": "/cv/db/host",
		"kind": "ssm_parameter",
		"kms_key_id": null,
		"name": "/cv/db/host",
		"purpose": "media-relay",
		"ref": "ssm_parameter:/cv/db/host",
		"region": "eu-central-1",
		"source": "fixture",
		"tags": {
			"data-classification": "special-category",
			"purpose": "media-relay"
		},
		"type": "String"
	}
]
