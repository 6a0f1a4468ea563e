# Helpers for the rules' Rego unit tests (<rule>_test.rego). A `_test.rego` file, so the
# auditor never loads it; `opa test --ignore '*.json' policies/` and tests/audit/test_rego_unit.py do.
package callvault.lib.testing

import rego.v1

# The refs rule package `rule` judges, on `facts` in `context`.
applicable(rule, context, facts) := refs if {
	refs := data.callvault.rules[rule].applicable with input as {"context": context, "facts": facts}
}

# The refs rule package `rule` denies, on `facts` in `context`.
denied(rule, context, facts) := refs if {
	refs := {d.ref | some d in data.callvault.rules[rule].deny} with input as {"context": context, "facts": facts}
}

# The fact of `facts` with this ref.
fact(facts, ref) := f if {
	some f in facts
	f.ref == ref
}

# `facts` with `f` in place of the fact that has its ref.
with_fact(facts, f) := array.concat([g | some g in facts; g.ref != f.ref], [f])
