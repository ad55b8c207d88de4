"""XenStore through the module, against xssim and the real clients of
xenstore-utils."""

import errno
import os
import subprocess

import pytest

from conftest import B

# A Xen HVM guest's CPUID: hypervisor bit, XenVMMXenVMM, Xen 4.17.
XEN_CPUID = """\
   0x00000000 0x00: eax=0x0000000d ebx=0x756e6547 ecx=0x6c65746e edx=0x49656e69
   0x00000001 0x00: eax=0x000306e4 ebx=0x01020800 ecx=0xffba2203 edx=0x178bfbff
   0x40000000 0x00: eax=0x40000002 ebx=0x566e6558 ecx=0x65584d4d edx=0x4d4d566e
   0x40000001 0x00: eax=0x00040011 ebx=0x00000000 ecx=0x00000000 edx=0x00000000
   0x40000002 0x00: eax=0x00000001 ebx=0x40000000 ecx=0x00000000 edx=0x00000000
"""


@pytest.fixture
def xssim(tmp_path, monkeypatch):
    sock = str(tmp_path / "xs")
    # The socket exists once xssim listens; that is what is waited on.
    p = subprocess.Popen([os.path.join(B, "xssim"), "--socket", sock,
                          "--domid", "5", "--log", sock + ".log"],
                         stderr=subprocess.PIPE)
    try:
        import time
        for _ in range(100):
            if os.path.exists(sock) or p.poll() is not None:
                break
            time.sleep(0.05)
        assert os.path.exists(sock), p.stderr.read().decode()
        monkeypatch.setenv("XENSTORED_PATH", sock)
        yield sock
    finally:
        p.terminate()
        p.wait()


@pytest.fixture
def unit(open_bus, xssim, tmp_path):
    (tmp_path / "xen.cpuid").write_text(XEN_CPUID)
    u = open_bus(str(tmp_path / "xen.cpuid")).units[0]
    assert (u.type, u.store, u.store_access) == ("Xen", "xenstore", "rw")
    return u


def xs(*args):
    return subprocess.run(list(args), capture_output=True, check=True,
                          text=True).stdout


def test_write_read_by_the_peer(unit):
    assert unit.write("data/greeting", "grüß dich") == ""
    assert xs("xenstore-read", "-R", "/local/domain/5/data/greeting") == \
        "grüß dich"


def test_read_what_the_peer_wrote(unit):
    xs("xenstore-write", "/local/domain/5/data/from-peer", "värde")
    assert unit.read("data/from-peer") == "värde"
    assert unit.read("/local/domain/5/data/from-peer") == "värde"


def test_list(unit):
    for k in ("x", "y", "z"):
        unit.write("data/dir/" + k, k)
    assert sorted(unit.list("data/dir")) == ["x", "y", "z"]
    assert sorted(xs("xenstore-list", "/local/domain/5/data/dir").split()) \
        == sorted(unit.list("data/dir"))


def test_bytes_value(unit):
    unit.write("data/raw", b"\xc3\x28")
    assert unit.read("data/raw") == b"\xc3\x28"


def test_missing_key(unit):
    with pytest.raises(FileNotFoundError) as e:
        unit.read("data/none")
    assert e.value.errno == errno.ENOENT


def test_bad_path(unit):
    with pytest.raises(OSError) as e:
        unit.write("data/a b", "v")
    assert e.value.errno == errno.EINVAL



def after_read(xssim, key, *cmd):
    """Run CMD once xssim has logged the watch's first READ of KEY: the
    change then comes after the value the watch started from."""
    import threading
    import time

    def go():
        for _ in range(600):
            with open(xssim + ".log") as f:
                if ("READ %s\n" % key) in f.read():
                    break
            time.sleep(0.05)
        subprocess.run(list(cmd), check=True)
    t = threading.Thread(target=go)
    t.start()
    return t


def test_watch_sees_the_peers_write(unit, xssim):
    unit.write("data/w", "before")
    t = after_read(xssim, "data/w", "xenstore-write",
                   "/local/domain/5/data/w", "after")
    try:
        assert unit.watch("data/w", timeout=60) == "after"
    finally:
        t.join()


def test_watch_removal_and_timeout(unit, xssim):
    unit.write("data/gone", "x")
    t = after_read(xssim, "data/gone", "xenstore-rm",
                   "/local/domain/5/data/gone")
    try:
        assert unit.watch("data/gone", timeout=60) is None
    finally:
        t.join()
    with pytest.raises(TimeoutError) as e:
        unit.watch("data/still", timeout=0.2)
    assert e.value.errno == errno.ETIMEDOUT
