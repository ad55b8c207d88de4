"""The pvbus module without a store: its structures against the C header,
units, capabilities and devices against hostctl's view of the same machine,
errors as OSError with the library's errno."""

import ctypes
import errno
import os
import re
import subprocess

import pytest

import pvbus
from conftest import B, DUMPS, FIX, TOP


def header_fields(struct):
    """Field names of STRUCT in include/pvbus.h, in order."""
    with open(os.path.join(TOP, "include", "pvbus.h")) as f:
        text = f.read()
    body = re.search(r"struct %s \{(.*?)\n\};" % struct, text, re.S).group(1)
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    names = []
    for decl in body.split(";"):
        decl = decl.strip()
        if not decl:
            continue
        m = re.search(r"\(\s*\*\s*(\w+)\s*\)", decl)    # function pointer
        if m is None:
            m = re.search(r"(\w+)\s*(\[[^]]*\])?$", decl)
        names.append(m.group(1))
    return names


def c_sizes():
    out = subprocess.run([os.path.join(B, "tests", "pvbus_sizes")],
                         capture_output=True, text=True, check=True).stdout
    return {n: int(s) for n, s in (l.split() for l in out.splitlines())}


@pytest.mark.parametrize("struct,mirror", [
    ("pvbus_options", pvbus._Options),
    ("pvbus_attr", pvbus._Attr),
    ("pvbus_device", pvbus._Device),
])
def test_struct_follows_header(struct, mirror):
    assert [f[0] for f in mirror._fields_] == header_fields(struct)
    assert ctypes.sizeof(mirror) == c_sizes()[struct]


def mkdump(path, *leaves):
    out = subprocess.run([os.path.join(FIX, "cpuid", "mkdump"), "0x80000000"]
                         + list(leaves), capture_output=True, check=True)
    with open(path, "wb") as f:
        f.write(out.stdout)
    return str(path)


def test_units_of_a_nested_machine(tmp_path):
    dump = mkdump(tmp_path / "dump", "0x40000000=Microsoft Hv:0x40000005",
                  "0x40000100=KVMKVMKVM\\0\\0\\0:0x40000101")
    with pvbus.open(root=str(tmp_path), cpuid_dump=dump) as bus:
        got = [(u.name, u.type, u.signature, u.base, u.maxleaf)
               for u in bus.units]
    assert got == [("pvbus0", "KVM", "KVMKVMKVM", 0x40000100, 0x40000101),
                   ("pvbus1", "Hyper-V", "Microsoft Hv", 0x40000000,
                    0x40000005)]


def test_no_hypervisor(tmp_path):
    dump = mkdump(tmp_path / "dump")
    with pvbus.open(root=str(tmp_path), cpuid_dump=dump) as bus:
        assert bus.units == ()


def hostctl_tree(dump, root):
    return subprocess.run([os.path.join(B, "hostctl"), "-C", dump, "-r", root,
                           "-l"], capture_output=True, text=True,
                          check=True).stdout.splitlines()


@pytest.mark.parametrize("dump,root,version", [
    ("kvm-qemu-6.0dev-cpu-host-i7-8650U.txt", "kvm", ""),
    ("hyperv-azure-2023-icelake.txt", "hyperv", "10.0.20348"),
    ("xen-4.11-aws-c3.large.txt", "xen", "4.11"),
    ("vmware-xeon-E5-2670v3-server.txt", "vmware", ""),
])
def test_unit_as_hostctl_lists_it(dump, root, version):
    """What hostctl -l prints of the same machine, field for field."""
    dump, root = os.path.join(DUMPS, dump), os.path.join(FIX, "sys", root)
    lines = hostctl_tree(dump, root)
    with pvbus.open(root=root, cpuid_dump=dump) as bus:
        u = bus.units[0]
        head = lines[0]
        assert head.startswith("%s: %s" % (u.name, u.type))
        assert '"%s"' % u.signature in head
        assert "at 0x%08x-0x%08x" % (u.base, u.maxleaf) in head
        assert u.version.startswith(version)
        if u.version:
            assert "%s %s at" % (u.type, u.version) in head
        for a in u.attrs:
            if a.kind == "flags":
                assert "%s 0x%x<%s>" % (a.name, a.raw, a.value) in head
                assert u.capabilities[a.name] == tuple(a.value.split())
            elif a.kind == "number":
                assert u.capabilities[a.name] == a.raw
                assert "%s %s" % (a.name, a.value) in head
            else:
                assert u.capabilities[a.name] == a.value
        devs = [l for l in lines if l.startswith(u.name + ": device ")]
        assert len(devs) == len(u.devices) > 0
        for d, l in zip(u.devices, devs):
            want = "%s: device %s %s at %s" % (u.name, d.name, d.id, d.parent)
            if d.driver:
                want += ", driver " + d.driver
            assert l == want


def test_capability_kinds_of_hyperv():
    with pvbus.open(root=os.path.join(FIX, "sys", "hyperv"),
                    cpuid_dump=os.path.join(
                        DUMPS, "hyperv-azure-2023-icelake.txt")) as bus:
        u = bus.units[0]
        kinds = {a.kind for a in u.attrs}
        assert "flags" in kinds
        assert isinstance(u.capabilities, dict)
        assert len(u.capabilities) == len(u.attrs)


@pytest.mark.parametrize("make,err", [
    (lambda t: {"root": str(t / "missing")}, errno.ENOENT),
    (lambda t: {"root": str(t / "file")}, errno.ENOTDIR),
    (lambda t: {"cpuid_dump": str(t / "missing")}, errno.ENOENT),
    (lambda t: {"cpuid_dump": str(t / "bad")}, errno.EINVAL),
], ids=["root-missing", "root-file", "dump-missing", "dump-malformed"])
def test_open_errors_are_oserror(tmp_path, make, err):
    (tmp_path / "file").write_text("")
    (tmp_path / "bad").write_text("   0x40000000 0x00: eax=zz\n")
    with pytest.raises(OSError) as e:
        pvbus.open(**make(tmp_path))
    assert e.value.errno == err
    assert e.value.strerror == os.strerror(err)


def test_no_store_is_enxio(tmp_path):
    dump = mkdump(tmp_path / "dump", "0x40000000=KVMKVMKVM\\0\\0\\0:0x40000001")
    with pvbus.open(root=str(tmp_path), cpuid_dump=dump) as bus:
        u = bus.units[0]
        assert u.store is None and u.store_access is None
        assert u.store_error.startswith("fw_cfg: ")
        with pytest.raises(OSError) as e:
            u.read("opt/x")
        assert e.value.errno == errno.ENXIO
        assert e.value.filename == "opt/x"


def test_closed_bus(tmp_path):
    root = os.path.join(FIX, "fwcfg-qemu")
    with pvbus.open(root=root,
                    cpuid_dump=os.path.join(root, "cpuid-kvm.txt")) as bus:
        u = bus.units[0]
        assert u.read("opt/org.example/k")
        assert not bus.closed
    assert bus.closed
    with pytest.raises(ValueError):
        u.read("opt/org.example/k")
    bus.close()


@pytest.mark.parametrize("key,exc", [
    ("a\0b", ValueError), (b"a\0b", ValueError), (42, TypeError),
    (None, TypeError),
], ids=["str-nul", "bytes-nul", "int", "none"])
def test_bad_keys(key, exc):
    root = os.path.join(FIX, "fwcfg-qemu")
    with pvbus.open(root=root,
                    cpuid_dump=os.path.join(root, "cpuid-kvm.txt")) as bus:
        with pytest.raises(exc):
            bus.units[0].read(key)


def test_unknown_option(tmp_path):
    with pytest.raises(TypeError):
        pvbus.open(root=str(tmp_path), no_such_field=1)
