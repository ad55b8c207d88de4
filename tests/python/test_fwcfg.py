"""QEMU fw_cfg through the module: the sysfs tree of a real guest
(tests/fixtures/fwcfg-qemu), read-only."""

import errno
import os
import shutil

import pytest

from conftest import FIX

ROOT = os.path.join(FIX, "fwcfg-qemu")
BY_NAME = os.path.join(ROOT, "sys", "firmware", "qemu_fw_cfg", "by_name")


@pytest.fixture
def unit(open_bus):
    u = open_bus(os.path.join(ROOT, "cpuid-kvm.txt"), ROOT).units[0]
    assert (u.type, u.store, u.store_access) == ("KVM", "fw_cfg", "ro")
    return u


def raw(name):
    with open(os.path.join(BY_NAME, name, "raw"), "rb") as f:
        return f.read()


def test_text_value_is_str(unit):
    v = unit.read("opt/org.example/text")
    assert isinstance(v, str)
    assert v.encode() == raw("opt/org.example/text")


def test_binary_value_is_bytes(open_bus, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(ROOT, root, symlinks=True)
    item = os.path.join(str(root), os.path.relpath(BY_NAME, ROOT),
                        "opt", "org.example", "k", "raw")
    with open(item, "wb") as f:
        f.write(b"\xff\xfe\x80 not text")
    u = open_bus(os.path.join(ROOT, "cpuid-kvm.txt"), str(root)).units[0]
    assert u.read("opt/org.example/k") == b"\xff\xfe\x80 not text"
    assert u.read_bytes("opt/org.example/text") == raw("opt/org.example/text")


def test_list(unit):
    assert unit.list("opt/org.example") == sorted(os.listdir(
        os.path.join(BY_NAME, "opt", "org.example")))


def test_missing_key(unit):
    with pytest.raises(FileNotFoundError) as e:
        unit.read("opt/org.example/none")
    assert e.value.errno == errno.ENOENT


def test_write_is_erofs(unit):
    with pytest.raises(OSError) as e:
        unit.write("opt/org.example/k", "v")
    assert e.value.errno == errno.EROFS


def test_watch_is_eopnotsupp(unit):
    with pytest.raises(OSError) as e:
        unit.watch("opt/org.example/text", timeout=1)
    assert e.value.errno == errno.EOPNOTSUPP
