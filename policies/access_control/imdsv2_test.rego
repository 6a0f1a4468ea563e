# Rego unit tests for CV-IAM-004 (imdsv2.rego) in OPA's own idiom: `opa test
# --ignore '*.json' policies/` runs them as they are (the JSON fixtures are not OPA data); pytest
# runs each through the embedded OPA (tests/audit/test_rego_unit.py).
# The inputs are the rule's fixtures. Every missing or unknown (null) property the rule reads
# must make it deny, never allow.
package callvault.rules.imdsv2_test

import rego.v1

import data.callvault.lib.testing

rule := "imdsv2"

test_allows_i_1 if {
	"instance:i-1" in testing.applicable(rule, pass_context, pass_facts)
	not "instance:i-1" in testing.denied(rule, pass_context, pass_facts)
}

test_allows_lt_1 if {
	"launch_template:lt-1" in testing.applicable(rule, pass_context, pass_facts)
	not "launch_template:lt-1" in testing.denied(rule, pass_context, pass_facts)
}

test_denies_i_1 if {
	"instance:i-1" in testing.denied(rule, fail_context, fail_facts)
}

test_missing_imdsv2_required_is_not_allowed_i_1 if {
	f := json.remove(testing.fact(pass_facts, "instance:i-1"), ["imdsv2_required"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_imdsv2_required_is_not_allowed_i_1 if {
	f := json.patch(testing.fact(pass_facts, "instance:i-1"), [{"op": "replace", "path": "/imdsv2_required", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_missing_imdsv2_required_is_not_allowed_lt_1 if {
	f := json.remove(testing.fact(pass_facts, "launch_template:lt-1"), ["imdsv2_required"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_imdsv2_required_is_not_allowed_lt_1 if {
	f := json.patch(testing.fact(pass_facts, "launch_template:lt-1"), [{"op": "replace", "path": "/imdsv2_required", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_unknown_imdsv2_required_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "instance:i-1"), [
		{"op": "add", "path": "/imdsv2_required", "value": null},
		{"op": "add", "path": "/unknown", "value": ["imdsv2_required"]},
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
		"ebs_encrypted": true,
		"id": "i-1",
		"imdsv2_required": true,
		"kind": "instance",
		"name": "n",
		"public_ip": false,
		"purpose": "call-recording",
		"ref": "instance:i-1",
		"region": "eu-central-1",
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"meeting-type": "all",
			"purpose": "call-recording"
		}
	},
	{
		"ebs_encrypted": true,
		"id": "lt-1",
		"imdsv2_required": true,
		"kind": "launch_template",
		"name": "n",
		"public_ip": false,
		"purpose": "call-recording",
		"ref": "launch_template:lt-1",
		"region": "eu-central-1",
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
		"ebs_encrypted": true,
		"id": "i-1",
		"imdsv2_required": false,
		"kind": "instance",
		"name": "n",
		"public_ip": false,
		"purpose": "call-recording",
		"ref": "instance:i-1",
		"region": "eu-central-1",
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"meeting-type": "all",
			"purpose": "call-recording"
		}
	}
]
