# Rego unit tests for CV-COV-001 (unassessed_resources.rego) in OPA's own idiom: `opa test
# --ignore '*.json' policies/` runs them as they are (the JSON fixtures are not OPA data); pytest
# runs each through the embedded OPA (tests/audit/test_rego_unit.py).
# The inputs are the rule's fixtures. Every missing, null or unknown property the rule reads
# must make it deny, never allow.
package callvault.rules.unassessed_resources_test

import rego.v1

import data.callvault.lib.testing

rule := "unassessed_resources"

test_allows_alias if {
	"resource:alias" in testing.applicable(rule, pass_context, pass_facts)
	not "resource:alias" in testing.denied(rule, pass_context, pass_facts)
}

test_allows_role if {
	"resource:role" in testing.applicable(rule, pass_context, pass_facts)
	not "resource:role" in testing.denied(rule, pass_context, pass_facts)
}

test_denies_table if {
	"resource:table" in testing.denied(rule, fail_context, fail_facts)
}

test_denies_fn if {
	"resource:fn" in testing.denied(rule, fail_context, fail_facts)
}

test_denies_ddb if {
	"resource:ddb" in testing.denied(rule, fail_context, fail_facts)
}

test_missing_category_is_not_allowed if {
	f := json.remove(testing.fact(pass_facts, "resource:alias"), ["category"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_category_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "resource:alias"), [{"op": "replace", "path": "/category", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_unknown_category_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "resource:alias"), [
		{"op": "replace", "path": "/category", "value": null},
		{"op": "replace", "path": "/unknown", "value": ["category"]},
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
		"category": "key",
		"cloud_id": null,
		"id": "alias",
		"inert_reason": "a name for a key; the key itself is judged",
		"kind": "resource",
		"ref": "resource:alias",
		"region": "eu-central-1",
		"source": "urn:pulumi:dev::x::aws:kms/alias:Alias::alias",
		"type": "aws:kms/alias:Alias",
		"unknown": []
	},
	{
		"category": "identity",
		"cloud_id": null,
		"id": "role",
		"inert_reason": null,
		"kind": "resource",
		"ref": "resource:role",
		"region": null,
		"source": "urn:pulumi:dev::x::aws:iam/policy:Policy::role",
		"type": "aws:iam/policy:Policy",
		"unknown": []
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
		"category": "database",
		"cloud_id": null,
		"id": "table",
		"inert_reason": null,
		"kind": "resource",
		"ref": "resource:table",
		"region": "eu-central-1",
		"source": "urn:pulumi:dev::x::aws:dynamodb/table:Table::table",
		"type": "aws:dynamodb/table:Table",
		"unknown": []
	},
	{
		"category": "compute",
		"cloud_id": null,
		"id": "fn",
		"inert_reason": null,
		"kind": "resource",
		"ref": "resource:fn",
		"region": "eu-central-1",
		"source": "urn:pulumi:dev::x::aws:lambda/function:Function::fn",
		"type": "aws:lambda/function:Function",
		"unknown": []
	},
	{
		"category": "storage",
		"cloud_id": null,
		"id": "ddb",
		"inert_reason": null,
		"kind": "resource",
		"ref": "resource:ddb",
		"region": "eu-central-1",
		"source": "urn:pulumi:dev::x::aws-native:s3:Bucket::ddb",
		"type": "aws-native:s3:Bucket",
		"unknown": []
	}
]
