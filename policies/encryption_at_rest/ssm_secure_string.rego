# METADATA
# title: SSM parameters that hold secrets should be SecureStrings under a customer-managed KMS key
# custom:
#   id: CV-EAR-007
#   severity: high
#   topic: encryption-at-rest
#   gdpr: ["Art. 32(1)(a)", "Art. 5(1)(f)"]
#   iso27001: ["A.8.24", "A.5.17"]
#   mapping: {"Art. 32(1)(a)": "partial", "Art. 5(1)(f)": "partial", "A.8.24": "partial", "A.5.17": "partial"}
#   applies_to: ["ssm_parameter"]
#   remediation: "Store the parameter with `type: SecureString` and `keyId` set to the platform key (`aws ssm put-parameter --type SecureString --key-id <key ARN> --overwrite`), then rotate the secret: its old value was readable without KMS."
package callvault.rules.ssm_secure_string

import rego.v1

import data.callvault.lib

# A parameter holds a secret when its name says so, or the stack classifies it confidential or
# special-category (infra/data/vocabulary.yaml). Only type and key are read, never the value,
# so a parameter passes without a SecureString only when its name and tags are known and say
# neither.
_SECRET_MARKERS := {
	"secret", "password", "passwd", "token", "credential",
	"private-key", "private_key", "privatekey", "api-key", "api_key", "apikey",
}

_CLASSIFIED := {"confidential", "special-category"}

applicable contains f.ref if {
	some f in input.facts
	f.kind == "ssm_parameter"
}

deny contains {"ref": f.ref, "msg": msg} if {
	some f in input.facts
	f.kind == "ssm_parameter"
	not known_not_secret(f)
	not secure_under_cmk(f)
	msg := sprintf(
		"SSM parameter %s is not a SecureString under a customer-managed KMS key (type: %v, key: %v), and %s",
		[f.id, object.get(f, "type", null), object.get(f, "kms_key_id", null), reason(f)],
	)
}

reason(f) := "its name marks a secret" if {
	name_marks_secret(f.name)
} else := sprintf("it is tagged data-classification=%s", [f.tags["data-classification"]]) if {
	f.tags["data-classification"] in _CLASSIFIED
} else := "its name or tags cannot be read to show it holds no secret"

name_marks_secret(name) if {
	is_string(name)
	some marker in _SECRET_MARKERS
	contains(lower(name), marker)
}

known_not_secret(f) if {
	is_string(f.name)
	not name_marks_secret(f.name)
	is_object(f.tags)
	not object.get(f.tags, "data-classification", "") in _CLASSIFIED
}

secure_under_cmk(f) if {
	f.type == "SecureString"
	is_string(f.kms_key_id)
	f.kms_key_id != ""
	not aws_managed_alias(f.kms_key_id)
}

# The AWS-managed key (alias/aws/ssm), by alias or alias ARN: any role of the account that
# may read the parameter may decrypt it, and its policy cannot be changed.
aws_managed_alias(key_id) if startswith(key_id, "alias/aws/")

aws_managed_alias(key_id) if contains(key_id, ":alias/aws/")

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	not known_not_secret(f)
	not secure_under_cmk(f)
	some p in lib.unknown_among(f, {"name", "tags", "type", "kms_key_id"})
}
