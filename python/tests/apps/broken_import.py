"""Test app that fails to import."""

import drover_test_module_that_does_not_exist  # noqa: F401

app = None
