# Rego unit tests for CV-RET-003 (log_group_retention.rego) in OPA's own idiom: `opa test
# --ignore '*.json' policies/` runs them as they are (the JSON fixtures are not OPA data); pytest
# runs each through the embedded OPA (tests/audit/test_rego_unit.py).
# The inputs are the rule's fixtures. Every missing or unknown (null) property the rule reads
# must make it deny, never allow.
package callvault.rules.log_group_retention_test

import rego.v1

import data.callvault.lib.testing

rule := "log_group_retention"

test_allows_x if {
	"log_group:/x" in testing.applicable(rule, pass_context, pass_facts)
	not "log_group:/x" in testing.denied(rule, pass_context, pass_facts)
}

test_denies_x if {
	"log_group:/x" in testing.denied(rule, fail_context, fail_facts)
}

test_denies_y if {
	"log_group:/y" in testing.denied(rule, fail_context, fail_facts)
}

test_missing_retention_days_is_not_allowed if {
	f := json.remove(testing.fact(pass_facts, "log_group:/x"), ["retention_days"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_retention_days_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "log_group:/x"), [{"op": "replace", "path": "/retention_days", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

# Hole too_short (log_group_retention.too_short.fail.json): the reproduction of a hole this rule let pass.
test_denies_too_short_x_7d if {
	"log_group:/x-7d" in testing.denied(rule, too_short_context, too_short_facts)
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
		"id": "/x-7d",
		"kind": "log_group",
		"kms_key_id": "arn:aws:kms:eu-central-1:1:key/p",
		"purpose": "network",
		"ref": "log_group:/x-7d",
		"region": "eu-central-1",
		"retention_days": 7,
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"purpose": "network"
		}
	}
]

test_unknown_retention_days_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "log_group:/x"), [
		{"op": "add", "path": "/retention_days", "value": null},
		{"op": "add", "path": "/unknown", "value": ["retention_days"]},
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
		"id": "/x",
		"kind": "log_group",
		"kms_key_id": "arn:aws:kms:eu-central-1:1:key/p",
		"purpose": "network",
		"ref": "log_group:/x",
		"region": "eu-central-1",
		"retention_days": 90,
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"purpose": "network"
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
		"id": "/x",
		"kind": "log_group",
		"kms_key_id": "arn:aws:kms:eu-central-1:1:key/p",
		"purpose": "network",
		"ref": "log_group:/x",
		"region": "eu-central-1",
		"retention_days": 0,
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"purpose": "network"
		}
	},
	{
		"id": "/y",
		"kind": "log_group",
		"kms_key_id": "arn:aws:kms:eu-central-1:1:key/p",
		"purpose": "network",
		"ref": "log_group:/y",
		"region": "eu-central-1",
		"retention_days": 3653,
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"purpose": "network"
		}
	}
]
