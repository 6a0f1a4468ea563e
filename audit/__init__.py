"""CallVault's GDPR auditor: facts from Pulumi plans and state, Rego policies, reports."""

__version__ = "0.3.0"
