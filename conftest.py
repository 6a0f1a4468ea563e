"""Loaded once for the whole run, whichever of tests/ and features/ it collects: the real
servers both trees use, so a CI session (pytest over both) starts each server once."""

pytest_plugins = ["tests.server_fixtures"]
