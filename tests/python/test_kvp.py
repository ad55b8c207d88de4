"""Hyper-V KVP through the module: pool files under a root, written and
read back with kvp_tool, which implements hv_kvp_daemon's format and
locking without libpvbus."""

import errno
import os
import subprocess

import pytest

from conftest import B


def kvp_tool(*args):
    return subprocess.run([os.path.join(B, "tests", "kvp_tool")] +
                          list(args), capture_output=True, check=True).stdout


@pytest.fixture
def pools(tmp_path):
    d = tmp_path / "var" / "lib" / "hyperv"
    d.mkdir(parents=True)
    for i in range(5):
        (d / (".kvp_pool_%d" % i)).write_bytes(b"")
        os.chmod(d / (".kvp_pool_%d" % i), 0o644)
    return tmp_path, d


@pytest.fixture
def unit(open_bus, pools):
    root, _ = pools
    u = open_bus("hyperv-azure-2023-icelake.txt", str(root)).units[0]
    assert (u.type, u.store, u.store_access) == ("Hyper-V", "kvp", "rw")
    return u


def test_read_host_value(unit, pools):
    kvp_tool("set", str(pools[1] / ".kvp_pool_0"), "Greeting", "från värden")
    assert unit.read("External/Greeting") == "från värden"


def test_write_lands_in_pool(unit, pools):
    # The store echoes what it stored.
    assert unit.write("Guest/Status", "ready ✓") == "ready ✓"
    assert kvp_tool("get", str(pools[1] / ".kvp_pool_1"),
                    "Status").decode() == "ready ✓\n"
    kvp_tool("check", str(pools[1] / ".kvp_pool_1"), "1")
    assert unit.read("Guest/Status") == "ready ✓"


def test_bytes_value(unit, pools):
    # The host takes UTF-16: bytes must be UTF-8 to be converted.
    unit.write(b"Guest/Raw", b"caf\xc3\xa9")
    assert unit.read("Guest/Raw") == "café"
    with pytest.raises(OSError) as e:
        unit.write(b"Guest/Bad", b"\xff\xfe")
    assert e.value.errno == errno.EINVAL


def test_list_pool(unit, pools):
    for k in ("b", "a", "c"):
        unit.write("Guest/" + k, k)
    assert unit.list("Guest/") == ["b", "a", "c"]


def test_external_is_read_only(unit):
    with pytest.raises(OSError) as e:
        unit.write("External/K", "v")
    assert e.value.errno == errno.EROFS


def test_unknown_pool(unit):
    with pytest.raises(OSError) as e:
        unit.read("Nope/x")
    assert e.value.errno == errno.EINVAL


def test_missing_key(unit):
    with pytest.raises(FileNotFoundError):
        unit.read("Guest/none")
