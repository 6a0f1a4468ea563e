# Rego unit tests for CV-COV-002 (unassessed_region.rego) in OPA's own idiom: `opa test
# --ignore '*.json' policies/` runs them as they are (the JSON fixtures are not OPA data); pytest
# runs each through the embedded OPA (tests/audit/test_rego_unit.py).
# The inputs are the rule's fixtures. Every missing, null or unknown property the rule reads
# must make it deny, never allow.
package callvault.rules.unassessed_region_test

import rego.v1

import data.callvault.lib.testing

rule := "unassessed_region"

test_allows_alias if {
	"resource:alias" in testing.applicable(rule, pass_context, pass_facts)
	not "resource:alias" in testing.denied(rule, pass_context, pass_facts)
}

test_denies_replica if {
	"resource:replica" in testing.denied(rule, fail_context, fail_facts)
}

test_denies_vol if {
	"resource:vol" in testing.denied(rule, fail_context, fail_facts)
}

test_missing_region_is_not_allowed if {
	f := json.remove(testing.fact(pass_facts, "resource:alias"), ["region"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_region_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "resource:alias"), [{"op": "replace", "path": "/region", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_unknown_region_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "resource:alias"), [
		{"op": "replace", "path": "/region", "value": null},
		{"op": "replace", "path": "/unknown", "value": ["region"]},
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
		"category": "key",
		"cloud_id": null,
		"id": "replica",
		"inert_reason": null,
		"kind": "resource",
		"ref": "resource:replica",
		"region": "us-east-1",
		"source": "urn:pulumi:dev::x::aws:kms/replicaKey:ReplicaKey::replica",
		"type": "aws:kms/replicaKey:ReplicaKey",
		"unknown": []
	},
	{
		"category": "storage",
		"cloud_id": null,
		"id": "vol",
		"inert_reason": null,
		"kind": "resource",
		"ref": "resource:vol",
		"region": null,
		"source": "urn:pulumi:dev::x::aws:ebs/volume:Volume::vol",
		"type": "aws:ebs/volume:Volume",
		"unknown": []
	}
]
