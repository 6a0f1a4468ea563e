"""Step definitions: they call the auditor (findings, facts) and, for @runtime scenarios, a real
media node; they hold no compliance logic of their own."""
