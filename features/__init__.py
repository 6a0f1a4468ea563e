"""The auditors' Gherkin suite (pytest-bdd): one .feature per area, thin steps in steps/."""
