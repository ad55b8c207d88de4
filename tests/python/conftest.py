"""pytest glue for tests/python/run.sh: one PASS/FAIL/SKIP line per case in
the file $PVBUS_PYTEST_RESULTS, the paths of the tree, and the bus the
store tests open, with a CPUID dump or, under hvsim, with none."""

import os

import pytest

TOP = os.environ.get("PVBUS_TOP",
                     os.path.dirname(os.path.dirname(os.path.dirname(
                         os.path.abspath(__file__)))))
B = os.environ.get("PVBUS_BUILD", os.path.join(TOP, "build"))
DUMPS = os.path.join(TOP, "..", "shared", "cpuid-dumps")
FIX = os.path.join(TOP, "tests", "fixtures")
# The hvsim profile this pytest runs under, or "" for CPUID dumps.
HVSIM = os.environ.get("PVBUS_HVSIM_PROFILE", "")


def pytest_runtest_logreport(report):
    path = os.environ.get("PVBUS_PYTEST_RESULTS")
    if not path:
        return
    name = "%s%s" % (os.environ.get("PVBUS_PYTEST_PREFIX", ""),
                     report.nodeid.split("/")[-1])
    if report.when == "call" or report.outcome != "passed":
        if report.passed:
            line = "PASS: %s" % name
        elif report.skipped:
            line = "SKIP: %s: %s" % (name, report.longrepr[2]
                                     if isinstance(report.longrepr, tuple)
                                     else "skipped")
        else:
            crash = getattr(report.longrepr, "reprcrash", None)
            why = crash.message if crash is not None else str(report.longrepr)
            line = "FAIL: %s: %s%s" % (name,
                                       "" if report.when == "call" else
                                       report.when + ": ",
                                       " ".join(why.split())[:300])
        with open(path, "a") as f:
            f.write(line + "\n")


@pytest.fixture
def open_bus():
    """open_bus(dump, root): the bus of ROOT with the CPUID dump DUMP (a
    name in ../shared/cpuid-dumps or a path), or the CPUID hvsim answers
    when the tests run under it."""
    import pvbus
    buses = []

    def opener(dump, root=None):
        if HVSIM:
            bus = pvbus.open(root=root)
        else:
            bus = pvbus.open(root=root, cpuid_dump=dump if os.sep in dump
                             else os.path.join(DUMPS, dump))
        buses.append(bus)
        return bus
    yield opener
    for bus in buses:
        bus.close()
