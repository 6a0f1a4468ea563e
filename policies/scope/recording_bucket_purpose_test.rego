# Rego unit tests for CV-SCP-002 (recording_bucket_purpose.rego) in OPA's own idiom: `opa test
# --ignore '*.json' policies/` runs them as they are (the JSON fixtures are not OPA data); pytest
# runs each through the embedded OPA (tests/audit/test_rego_unit.py).
# The inputs are the rule's fixtures. Every missing, null or unknown property the rule reads
# must make it deny, never allow.
package callvault.rules.recording_bucket_purpose_test

import rego.v1

import data.callvault.lib.testing

rule := "recording_bucket_purpose"

test_allows_rec if {
	"bucket:rec" in testing.applicable(rule, pass_context, pass_facts)
	not "bucket:rec" in testing.denied(rule, pass_context, pass_facts)
}

test_allows_logs if {
	"bucket:logs" in testing.applicable(rule, pass_context, pass_facts)
	not "bucket:logs" in testing.denied(rule, pass_context, pass_facts)
}

test_denies_untagged if {
	"bucket:untagged" in testing.denied(rule, fail_context, fail_facts)
}

test_missing_holds_recordings_is_not_allowed if {
	f := json.remove(testing.fact(pass_facts, "bucket:rec"), ["holds_recordings"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_holds_recordings_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "bucket:rec"), [{"op": "replace", "path": "/holds_recordings", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_unknown_holds_recordings_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "bucket:rec"), [
		{"op": "replace", "path": "/holds_recordings", "value": null},
		{"op": "replace", "path": "/unknown", "value": ["holds_recordings"]},
	])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_unknown_tags_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "bucket:rec"), [
		{"op": "add", "path": "/tags", "value": null},
		{"op": "add", "path": "/unknown", "value": ["tags"]},
	])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_unknown_purpose_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "bucket:rec"), [
		{"op": "add", "path": "/purpose", "value": null},
		{"op": "add", "path": "/unknown", "value": ["purpose"]},
	])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_unknown_encryption_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "bucket:rec"), [
		{"op": "add", "path": "/encryption", "value": null},
		{"op": "add", "path": "/unknown", "value": ["encryption"]},
	])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_unknown_lifecycle_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "bucket:rec"), [
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
		"encryption": {
			"algorithm": "aws:kms",
			"bucket_key": true,
			"kms_key_id": "arn:aws:kms:eu-central-1:111122223333:key/k"
		},
		"holds_recordings": true,
		"id": "rec",
		"kind": "bucket",
		"lifecycle": [],
		"purpose": "call-recording",
		"recording_evidence": [
			"written by the media-node role",
			"tagged purpose=call-recording"
		],
		"ref": "bucket:rec",
		"region": "eu-central-1",
		"source": "urn:x",
		"tags": {
			"purpose": "call-recording"
		},
		"unknown": []
	},
	{
		"encryption": {
			"algorithm": "aws:kms",
			"bucket_key": true,
			"kms_key_id": "arn:aws:kms:eu-central-1:111122223333:key/k"
		},
		"holds_recordings": false,
		"id": "logs",
		"kind": "bucket",
		"lifecycle": [],
		"purpose": "access-logs",
		"recording_evidence": [],
		"ref": "bucket:logs",
		"region": "eu-central-1",
		"source": "urn:x",
		"tags": {
			"purpose": "access-logs"
		},
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
		"encryption": {
			"algorithm": "aws:kms",
			"bucket_key": true,
			"kms_key_id": "arn:aws:kms:eu-central-1:111122223333:key/k"
		},
		"holds_recordings": true,
		"id": "untagged",
		"kind": "bucket",
		"lifecycle": [],
		"purpose": null,
		"recording_evidence": [
			"written by the media-node role"
		],
		"ref": "bucket:untagged",
		"region": "eu-central-1",
		"source": "urn:x",
		"tags": {},
		"unknown": []
	}
]
