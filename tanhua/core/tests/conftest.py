"""Fixtures of the core tests: the test's outcome on its node, for the browser tests to take
a screenshot of the page a journey failed on."""

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report
