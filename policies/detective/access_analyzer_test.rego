# Rego unit tests for access_analyzer.rego in OPA's own idiom (`opa test --ignore '*.json' policies/`;
# pytest runs each through the embedded OPA). A control that is off, missing, null or could not
# be read (unknown) must never be allowed.
package callvault.rules.access_analyzer_test

import rego.v1

import data.callvault.lib.testing

rule := "access_analyzer"

test_allows_enabled if {
	"detective_controls:eu-central-1" in testing.applicable(rule, context, pass_facts)
	not "detective_controls:eu-central-1" in testing.denied(rule, context, pass_facts)
}

test_denies_disabled if {
	"detective_controls:eu-central-1" in testing.denied(rule, context, fail_facts)
}

test_missing_access_analyzer_active_is_not_allowed if {
	f := json.remove(testing.fact(pass_facts, "detective_controls:eu-central-1"), ["access_analyzer_active"])
	f.ref in testing.denied(rule, context, testing.with_fact(pass_facts, f))
}

test_null_access_analyzer_active_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "detective_controls:eu-central-1"), [{"op": "replace", "path": "/access_analyzer_active", "value": null}])
	f.ref in testing.denied(rule, context, testing.with_fact(pass_facts, f))
}

test_unreadable_access_analyzer_active_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "detective_controls:eu-central-1"), [
		{"op": "replace", "path": "/access_analyzer_active", "value": null},
		{"op": "replace", "path": "/unknown", "value": ["access_analyzer_active"]},
	])
	f.ref in testing.denied(rule, context, testing.with_fact(pass_facts, f))
}

context := {
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
		"access_analyzer_active": true,
		"aws_defaults": [],
		"config_recording": true,
		"guardduty_enabled": true,
		"id": "eu-central-1",
		"kind": "detective_controls",
		"ref": "detective_controls:eu-central-1",
		"region": "eu-central-1",
		"securityhub_enabled": true,
		"source": "arn:aws:iam::123456789012:root#eu-central-1",
		"unknown": []
	}
]

fail_facts := [
	{
		"access_analyzer_active": false,
		"aws_defaults": [],
		"config_recording": true,
		"guardduty_enabled": true,
		"id": "eu-central-1",
		"kind": "detective_controls",
		"ref": "detective_controls:eu-central-1",
		"region": "eu-central-1",
		"securityhub_enabled": true,
		"source": "arn:aws:iam::123456789012:root#eu-central-1",
		"unknown": []
	}
]
