"""Every .feature file in this directory, as pytest tests."""

from pytest_bdd import scenarios

scenarios(".")
