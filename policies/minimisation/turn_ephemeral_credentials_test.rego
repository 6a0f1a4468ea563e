# Rego unit tests for CV-MIN-003 (turn_ephemeral_credentials.rego) in OPA's own idiom: `opa test
# --ignore '*.json' policies/` runs them as they are (the JSON fixtures are not OPA data); pytest
# runs each through the embedded OPA (tests/audit/test_rego_unit.py).
# The inputs are the rule's fixtures. Every missing or unknown (null) property the rule reads
# must make it deny, never allow.
package callvault.rules.turn_ephemeral_credentials_test

import rego.v1

import data.callvault.lib.testing

rule := "turn_ephemeral_credentials"

test_allows_i_1_etc_turnserver_conf if {
	"turn_config:i-1:/etc/turnserver.conf" in testing.applicable(rule, pass_context, pass_facts)
	not "turn_config:i-1:/etc/turnserver.conf" in testing.denied(rule, pass_context, pass_facts)
}

test_denies_i_1_etc_turnserver_conf if {
	"turn_config:i-1:/etc/turnserver.conf" in testing.denied(rule, fail_context, fail_facts)
}

test_missing_ephemeral_credentials_is_not_allowed if {
	f := json.remove(testing.fact(pass_facts, "turn_config:i-1:/etc/turnserver.conf"), ["ephemeral_credentials"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_ephemeral_credentials_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "turn_config:i-1:/etc/turnserver.conf"), [{"op": "replace", "path": "/ephemeral_credentials", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_unknown_ephemeral_credentials_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "turn_config:i-1:/etc/turnserver.conf"), [
		{"op": "add", "path": "/ephemeral_credentials", "value": null},
		{"op": "add", "path": "/unknown", "value": ["ephemeral_credentials"]},
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
		"cli_enabled": false,
		"denied_peer_ranges": [
			"127.0.0.0-127.255.255.255"
		],
		"ephemeral_credentials": true,
		"id": "i-1:/etc/turnserver.conf",
		"kind": "turn_config",
		"logs_client_ips": false,
		"loopback_peers_allowed": false,
		"ref": "turn_config:i-1:/etc/turnserver.conf",
		"region": "eu-central-1",
		"source": "fixture",
		"static_users": false,
		"tls_enabled": true,
		"tls_min_version": "1.2"
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
		"cli_enabled": false,
		"denied_peer_ranges": [
			"127.0.0.0-127.255.255.255"
		],
		"ephemeral_credentials": false,
		"id": "i-1:/etc/turnserver.conf",
		"kind": "turn_config",
		"logs_client_ips": false,
		"loopback_peers_allowed": false,
		"ref": "turn_config:i-1:/etc/turnserver.conf",
		"region": "eu-central-1",
		"source": "fixture",
		"static_users": true,
		"tls_enabled": true,
		"tls_min_version": "1.2"
	}
]
