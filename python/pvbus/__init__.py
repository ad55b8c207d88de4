"""The paravirtual bus of a Linux guest, over libpvbus.

    import pvbus

    with pvbus.open() as bus:
        for unit in bus.units:
            print(unit.name, unit.type, unit.signature, unit.store)
        hostname = bus.units[0].read("guestinfo.hostname")

Every hypervisor interface of the machine is a unit (pvbus0 is the native
one) with its type, signature, version, decoded capabilities, paravirtual
devices and information store (VMware guestinfo, XenStore, Hyper-V KVP,
QEMU fw_cfg).  All protocol work is done by libpvbus.so.0 (libpvbus(3));
this module only translates.  Failures raise OSError with the library's
errno.  Keys and values are str, encoded as UTF-8; a value that is not
UTF-8 text is returned as bytes, and bytes are accepted wherever str is.
"""

import collections
import ctypes
import errno as _errno
import os

__all__ = ["open", "Bus", "Unit", "Attr", "Device"]

_lib = ctypes.CDLL("libpvbus.so.0")


# void (*evidence)(void *ctx, const char *line)
EVIDENCE = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p)


class _Options(ctypes.Structure):
    # struct pvbus_options of <pvbus.h>, field for field and in its order:
    # the library reads the whole structure, so a shorter one here would
    # hand it garbage.  tests/python checks names, order and size against
    # the header and the C compiler.
    _fields_ = [
        ("root", ctypes.c_char_p),
        ("cpuid_dump", ctypes.c_char_p),
        ("flags", ctypes.c_uint),
        ("evidence", EVIDENCE),
        ("evidence_ctx", ctypes.c_void_p),
        ("store_timeout_ms", ctypes.c_int),
        ("vmware_vsock_cid", ctypes.c_uint),
    ]


class _Attr(ctypes.Structure):
    _fields_ = [
        ("kind", ctypes.c_int),
        ("name", ctypes.c_char * 32),
        ("value", ctypes.c_char * 512),
        ("raw", ctypes.c_uint64),
    ]


class _Device(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char * 32),
        ("id", ctypes.c_char * 128),
        ("parent", ctypes.c_char * 128),
        ("driver", ctypes.c_char * 64),
    ]


# enum pvbus_attr_kind, enum pvbus_store_access, enum pvbus_kvop.
_ATTR_STRING, _ATTR_NUMBER, _ATTR_FLAGS, _ATTR_REGS = range(4)
_ACCESS = {0: None, 1: "ro", 2: "rw"}
_KVREAD, _KVWRITE = 0, 1
# PVBUS_KVOP_MAXSIZE: the most a device request carries; a read's buffer
# grows on ERANGE up to it, as hostctl's does.
_KVOP_MAXSIZE = 64 * 1024


def _proto(name, restype, *argtypes):
    f = getattr(_lib, name)
    f.restype = restype
    f.argtypes = argtypes
    return f


_vp, _sz = ctypes.c_void_p, ctypes.c_size_t
_open = _proto("pvbus_open", ctypes.c_int, ctypes.POINTER(_vp),
               ctypes.POINTER(_Options))
_close = _proto("pvbus_close", None, _vp)
_nunits = _proto("pvbus_nunits", _sz, _vp)
_unit = _proto("pvbus_unit", _vp, _vp, _sz)
_ustr = {n: _proto("pvbus_unit_" + n, ctypes.c_char_p, _vp)
         for n in ("name", "type", "signature", "version", "store",
                   "store_path", "store_error")}
_base = _proto("pvbus_unit_base", ctypes.c_uint32, _vp)
_maxleaf = _proto("pvbus_unit_maxleaf", ctypes.c_uint32, _vp)
_nattrs = _proto("pvbus_unit_nattrs", _sz, _vp)
_attr = _proto("pvbus_unit_attr", ctypes.POINTER(_Attr), _vp, _sz)
_ndevices = _proto("pvbus_unit_ndevices", _sz, _vp)
_device = _proto("pvbus_unit_device", ctypes.POINTER(_Device), _vp, _sz)
_access = _proto("pvbus_unit_store_access", ctypes.c_int, _vp)
_kvop = _proto("pvbus_kvop", ctypes.c_int, _vp, _sz, ctypes.c_int,
               ctypes.c_char_p, ctypes.c_char_p, _sz)
_watch = _proto("pvbus_watch", ctypes.c_int, _vp, _sz, ctypes.c_char_p,
                ctypes.c_char_p, _sz, ctypes.c_int)

Attr = collections.namedtuple("Attr", "name kind value raw")
Attr.__doc__ = ("A decoded capability: kind is 'string', 'number', 'flags' "
                "or 'regs'; raw holds the number or the bits.")
Device = collections.namedtuple("Device", "name id parent driver")
Device.__doc__ = ("A paravirtual device: its function, where it sits, its "
                  "parent and the Linux driver bound to it ('' if none).")
_KINDS = {_ATTR_STRING: "string", _ATTR_NUMBER: "number",
          _ATTR_FLAGS: "flags", _ATTR_REGS: "regs"}


def _text(b):
    """str for UTF-8 text, the bytes themselves otherwise."""
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return b


def _arg(s, what):
    """Bytes for the library: a str is encoded, NUL is refused."""
    if isinstance(s, str):
        s = s.encode("utf-8")
    elif isinstance(s, (bytearray, memoryview)):
        s = bytes(s)
    elif not isinstance(s, bytes):
        raise TypeError("%s must be str or bytes, not %s" %
                        (what, type(s).__name__))
    if b"\0" in s:
        raise ValueError("%s contains NUL" % what)
    return s


def _error(err, key=None):
    if key is None:
        return OSError(err, os.strerror(err))
    return OSError(err, os.strerror(err), key)


class Unit:
    """One hypervisor interface: pvbus0 .. pvbusN.

    Its description is read once, when the bus opens; read, write and list
    reach the store each time and need the bus open.
    """

    def __init__(self, bus, index, u):
        self._bus = bus
        self.index = index
        s = {n: f(u) for n, f in _ustr.items()}
        self.name = s["name"].decode()
        self.type = _text(s["type"])
        self.signature = _text(s["signature"])
        self.version = _text(s["version"])
        self.base = _base(u)
        self.maxleaf = _maxleaf(u)
        self.store = None if s["store"] is None else _text(s["store"])
        self.store_access = _ACCESS.get(_access(u))
        self.store_path = _text(s["store_path"] or b"")
        self.store_error = _text(s["store_error"] or b"")
        attrs = []
        for i in range(_nattrs(u)):
            a = _attr(u, i).contents
            attrs.append(Attr(_text(a.name), _KINDS.get(a.kind, "regs"),
                              _text(a.value), a.raw))
        self.attrs = tuple(attrs)
        self.devices = tuple(
            Device(*(_text(getattr(d, f)) for f in Device._fields))
            for d in (_device(u, i).contents for i in range(_ndevices(u))))

    @property
    def capabilities(self):
        """The decoded capabilities by name: numbers as int, flags as a
        tuple of bit names, the rest as text."""
        caps = {}
        for a in self.attrs:
            if a.kind == "number":
                caps[a.name] = a.raw
            elif a.kind == "flags":
                caps[a.name] = tuple(a.value.split())
            else:
                caps[a.name] = a.value
        return caps

    def __repr__(self):
        return "<pvbus.Unit %s %s store=%s>" % (self.name, self.type,
                                                self.store)

    def _op(self, op, key, value, size):
        bus = self._bus._handle()
        buf = ctypes.create_string_buffer(value, size)
        err = _kvop(bus, self.index, op, key, buf, size)
        return err, buf

    def read_bytes(self, key):
        """The value of KEY as bytes (a listing for a directory-like key)."""
        k = _arg(key, "key")
        size = 4096
        while True:
            err, buf = self._op(_KVREAD, k, b"", size)
            if err == 0:
                return buf.value
            if err != _errno.ERANGE or size >= _KVOP_MAXSIZE:
                raise _error(err, key)
            size *= 2

    def read(self, key):
        """The value of KEY: str, or bytes when it is not UTF-8 text."""
        return _text(self.read_bytes(key))

    def write(self, key, value):
        """Store VALUE (str or bytes) at KEY; returns what the store echoes,
        usually ''."""
        k, v = _arg(key, "key"), _arg(value, "value")
        err, buf = self._op(_KVWRITE, k, v, max(len(v) + 1, 4096))
        if err != 0:
            raise _error(err, key)
        return _text(buf.value)

    def watch(self, key, timeout=None):
        """Wait until KEY's value differs from the one it had when the call
        began (an absent key counts as a value) and return the new value,
        str or bytes as read() gives it; None when the key was removed.
        TIMEOUT is in seconds (None: no limit); past it TimeoutError, an
        OSError with ETIMEDOUT, is raised.  Stores whose values never
        change raise OSError with EOPNOTSUPP at once."""
        k = _arg(key, "key")
        ms = -1 if timeout is None else int(timeout * 1000)
        if ms < -1:
            raise ValueError("timeout must not be negative")
        bus = self._bus._handle()
        # The whole largest value at once: a change is not read twice.
        buf = ctypes.create_string_buffer(_KVOP_MAXSIZE)
        err = _watch(bus, self.index, k, buf, _KVOP_MAXSIZE, ms)
        if err == _errno.ENOENT:
            return None
        if err != 0:
            raise _error(err, key)
        return _text(buf.value)

    def list(self, key):
        """The names below KEY, as a list (empty when there are none)."""
        v = self.read(key)
        if isinstance(v, bytes):
            return [_text(n) for n in v.split(b"\n") if n]
        return [n for n in v.split("\n") if n]


class Bus:
    """An open bus; close it, or use it as a context manager."""

    def __init__(self, root=None, cpuid_dump=None, **options):
        self._bus = None
        self._opts = _Options(
            None if root is None else os.fsencode(root),
            None if cpuid_dump is None else os.fsencode(cpuid_dump))
        # The other fields of struct pvbus_options, by their C names.
        names = [f[0] for f in _Options._fields_[2:]]
        for k, v in options.items():
            if k not in names:
                raise TypeError("unknown option %r (struct pvbus_options "
                                "has %s)" % (k, ", ".join(names) or "no other"))
            setattr(self._opts, k, v)
        bus = _vp()
        err = _open(ctypes.byref(bus), ctypes.byref(self._opts))
        if err != 0:
            raise _error(err, root if root is not None else cpuid_dump)
        self._bus = bus
        self.units = tuple(Unit(self, i, _unit(bus, i))
                           for i in range(_nunits(bus)))

    def _handle(self):
        if self._bus is None:
            raise ValueError("operation on a closed bus")
        return self._bus

    @property
    def closed(self):
        return self._bus is None

    def close(self):
        """Detach every unit; the bus and its units' stores are unusable
        afterwards.  Closing twice is harmless."""
        if self._bus is not None:
            _close(self._bus)
            self._bus = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        self.close()

    def __repr__(self):
        return "<pvbus.Bus %s>" % ("closed" if self.closed else
                                   " ".join(u.name for u in self.units))


def open(root=None, cpuid_dump=None, **options):
    """Open the bus of this machine, or of a saved tree under ROOT and the
    `cpuid -r` dump CPUID_DUMP.  OPTIONS sets the other fields of struct
    pvbus_options of libpvbus(3) by name; zero, their default, otherwise."""
    return Bus(root=root, cpuid_dump=cpuid_dump, **options)
