"""VMware guestinfo through the module, under hvsim's VMware host model,
with vmware-rpctool (open-vm-tools) as the peer on the same host."""

import errno
import os
import subprocess

import pytest

from conftest import HVSIM

if HVSIM != "vmware":
    raise RuntimeError("test_guestinfo.py runs under hvsim --profile vmware")


@pytest.fixture
def unit(open_bus):
    u = open_bus("vmware-xeon-E5-2670v3-server.txt").units[0]
    assert (u.type, u.store, u.store_access) == ("VMware", "guestinfo", "rw")
    return u


def rpctool(cmd):
    return subprocess.run(["vmware-rpctool", cmd], capture_output=True,
                          text=True)


def test_read_what_the_host_set(unit):
    assert rpctool("info-set guestinfo.from.host hej då").returncode == 0
    assert unit.read("guestinfo.from.host") == "hej då"


def test_write_read_by_the_peer(unit):
    assert unit.write("guestinfo.from.guest", "ünïcode ✓") == ""
    r = rpctool("info-get guestinfo.from.guest")
    assert (r.returncode, r.stdout) == (0, "ünïcode ✓\n")
    assert unit.read("guestinfo.from.guest") == "ünïcode ✓"


def test_bytes_value(unit):
    unit.write("guestinfo.raw", b"\xff\x01")
    assert unit.read("guestinfo.raw") == b"\xff\x01"


def test_missing_key(unit):
    with pytest.raises(FileNotFoundError):
        unit.read("guestinfo.no.such.key")


def test_no_listing(unit):
    with pytest.raises(OSError) as e:
        unit.list("guestinfo.")
    assert e.value.errno == errno.EOPNOTSUPP


def test_key_with_space_refused(unit):
    with pytest.raises(OSError) as e:
        unit.write("guestinfo.a b", "v")
    assert e.value.errno == errno.EINVAL
