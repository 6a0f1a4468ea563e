# Rego unit tests for CV-MIN-001 (audio_only_no_video.rego) in OPA's own idiom: `opa test
# --ignore '*.json' policies/` runs them as they are (the JSON fixtures are not OPA data); pytest
# runs each through the embedded OPA (tests/audit/test_rego_unit.py).
# The inputs are the rule's fixtures. Every missing or unknown (null) property the rule reads
# must make it deny, never allow.
package callvault.rules.audio_only_no_video_test

import rego.v1

import data.callvault.lib.testing

rule := "audio_only_no_video"

test_allows_support if {
	"meeting_type:support" in testing.applicable(rule, pass_context, pass_facts)
	not "meeting_type:support" in testing.denied(rule, pass_context, pass_facts)
}

test_denies_support if {
	"meeting_type:support" in testing.denied(rule, fail_context, fail_facts)
}

test_missing_stored_media_is_not_allowed if {
	f := json.remove(testing.fact(pass_facts, "meeting_type:support"), ["stored_media"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_stored_media_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "meeting_type:support"), [{"op": "replace", "path": "/stored_media", "value": null}])
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
		"access_roles": [
			"dpo"
		],
		"id": "support",
		"kind": "meeting_type",
		"legal_basis": "consent",
		"mode": "audio",
		"notice": "n",
		"purpose": "support",
		"recording": "optional",
		"ref": "meeting_type:support",
		"region": null,
		"retention_days": 30,
		"source": "fixture",
		"stored_media": [
			"audio"
		]
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
		"access_roles": [
			"dpo"
		],
		"id": "support",
		"kind": "meeting_type",
		"legal_basis": "consent",
		"mode": "audio",
		"notice": "n",
		"purpose": "support",
		"recording": "optional",
		"ref": "meeting_type:support",
		"region": null,
		"retention_days": 30,
		"source": "fixture",
		"stored_media": [
			"audio",
			"video"
		]
	}
]
