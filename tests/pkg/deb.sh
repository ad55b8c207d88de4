# The Debian packages: make deb builds the four of them from the tree's
# files with dpkg-buildpackage, lintian finds nothing unexplained, each
# package holds what it should, and what libpvbus-dev and libpvbus0 ship
# builds and runs a program through pkg-config.
. "$(dirname "$0")/../lib.sh"

version=$(sed -n 's/^VERSION[[:space:]]*:= *//p' "$TOP/Makefile")
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
cl=$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)
[ "$cl" = "$version" ] && pass "debian/changelog is at VERSION ($version)" ||
    fail "debian/changelog is at VERSION" "changelog $cl, Makefile $version"

d=$T/b/deb
if make -s -C "$TOP" deb BUILD="$T/b" >"$T/deb.out" 2>&1; then
	pass "make deb"
else
	fail "make deb" "$(tail -n 20 "$T/deb.out" | tr '\n' ' ')"
	exit 1
fi
want="libpvbus-dev_${version}_$arch.deb libpvbus0_${version}_$arch.deb
pvbus_${version}_$arch.deb python3-pvbus_${version}_all.deb"
got=$(cd "$d" && ls *.deb | grep -v -- -dbgsym_)
[ "$(echo $got)" = "$(echo $want)" ] && pass "four packages" ||
    fail "four packages" "$(echo $got)"
grep -E 'dpkg-gensymbols: (warning|error)|dpkg-shlibdeps: warning' \
    "$d/build.log" >"$T/warn" &&
    fail "no symbols or shlibs warning" "$(head -c 400 "$T/warn")" ||
    pass "no symbols or shlibs warning"

# lintian: every error or warning is either absent or overridden with a
# reason in debian/*.lintian-overrides.
lintian -I --pedantic --show-overrides "$d/pvbus_${version}_$arch.changes" \
    >"$T/lintian" 2>&1
lrc=$?
sed 's/^/lintian: /' "$T/lintian"
e=$(grep -c '^E: ' "$T/lintian"); w=$(grep -c '^W: ' "$T/lintian")
i=$(grep -c '^I: ' "$T/lintian"); p=$(grep -c '^P: ' "$T/lintian")
o=$(grep -c '^O: ' "$T/lintian")
summary="$e errors, $w warnings, $i info, $p pedantic, $o overridden"
[ $lrc -eq 0 ] && [ "$e" = 0 ] && [ "$w" = 0 ] &&
    pass "lintian: $summary" || fail "lintian" "exit $lrc: $summary"
for f in "$TOP"/debian/*.lintian-overrides; do
	awk '/^#/ { c = 1; next } /^[a-z]/ { if (!c) bad = 1; c = 0 } END { exit bad }' "$f" &&
	    pass "$(basename "$f"): each override has its reason" ||
	    fail "$(basename "$f"): each override has its reason" "an override without a comment"
done

# contents PACKAGE PATH...: the package ships each PATH.
contents() {
	pkg=$1; shift
	dpkg-deb -c "$d/${pkg}_"*.deb | awk '{ print $6 }' | sed 's|^\.||' >"$T/c"
	miss=
	for f in "$@"; do grep -qx "$f" "$T/c" || miss="$miss $f"; done
	[ -z "$miss" ] && pass "$pkg ships its files" ||
	    fail "$pkg ships its files" "missing$miss"
}
contents pvbus /usr/sbin/hostctl /usr/sbin/pvbusd \
    /lib/systemd/system/pvbusd.service /usr/share/man/man4/pvbus.4.gz \
    /usr/share/man/man8/hostctl.8.gz /usr/share/man/man8/pvbusd.8.gz \
    /usr/share/doc/pvbus/copyright
contents libpvbus0 "/usr/lib/$ma/libpvbus.so.0" "/usr/lib/$ma/libpvbus.so.0.1.0"
funcs=$(sed -n 's/^[a-z].*[[:space:]*]\(pvbus_[a-z_]*\)(.*/\1/p' "$TOP/include/pvbus.h")
contents libpvbus-dev /usr/include/pvbus.h /usr/include/dev/pv/pvvar.h \
    "/usr/lib/$ma/libpvbus.so" "/usr/lib/$ma/libpvbus.a" \
    "/usr/lib/$ma/pkgconfig/libpvbus.pc" /usr/share/man/man3/libpvbus.3.gz \
    $(for f in $funcs; do echo "/usr/share/man/man3/$f.3.gz"; done)
contents python3-pvbus /usr/lib/python3/dist-packages/pvbus/__init__.py

# The unit is the tree's and dh_installsystemd enables it.
x=$T/x
for p in pvbus libpvbus0 libpvbus-dev python3-pvbus; do
	dpkg-deb -x "$d/${p}_"*.deb "$x" || fail "dpkg-deb -x $p" "failed"
done
cmp -s "$x/lib/systemd/system/pvbusd.service" "$TOP/dist/pvbusd.service" &&
    pass "the unit is dist/pvbusd.service" ||
    fail "the unit is dist/pvbusd.service" "differs"
dpkg-deb -e "$d/pvbus_"*.deb "$T/ctl"
grep -q "deb-systemd-helper enable 'pvbusd.service'" "$T/ctl/postinst" &&
    grep -q "deb-systemd-helper purge 'pvbusd.service'" "$T/ctl/postrm" &&
    pass "postinst enables the unit, postrm purges it" ||
    fail "postinst enables the unit, postrm purges it" "not in the scripts"

# The symbols file lists what the packaged library exports.
cp "$TOP/debian/libpvbus0.symbols" "$T/symbols"
if "$TOP/tools/symbols" "$x/usr/lib/$ma/libpvbus.so.0" "$version" \
    "$T/symbols" 2>"$T/sym.err" &&
    cmp -s "$T/symbols" "$TOP/debian/libpvbus0.symbols"; then
	pass "debian/libpvbus0.symbols is current"
else
	fail "debian/libpvbus0.symbols is current" \
	    "run make symbols: $(cat "$T/sym.err"; diff "$TOP/debian/libpvbus0.symbols" "$T/symbols" | grep '^[<>]' | tr '\n' ' ')"
fi

# pkg-config and the manual's example against the unpacked packages.
# libbsd.pc (Requires.private) comes from the system's libbsd-dev.
export PKG_CONFIG_SYSROOT_DIR="$x" \
    PKG_CONFIG_LIBDIR="$x/usr/lib/$ma/pkgconfig:/usr/lib/$ma/pkgconfig"
run sh -c 'echo $(pkg-config --cflags --libs libpvbus)'
case $OUT in
*"-L$x/usr/lib/$ma -lpvbus") pass "pkg-config of libpvbus-dev" ;;
*)	fail "pkg-config of libpvbus-dev" "'$OUT' $ERR" ;;
esac
sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$TOP/man/libpvbus.3" |
    sed -n '/^\.Bd -literal/,/^\.Ed/p' | sed '1d;/^\.Ed/,$d' |
    sed 's/\\e/\\/g; s/\\&//g' >"$T/units.c"
# The sysroot is not /, so its include directory is named.
if cc -Wall -Wextra -Werror -I"$x/usr/include" -o "$T/units" "$T/units.c" \
    $(pkg-config --cflags --libs libpvbus) 2>"$T/cc.err"; then
	F=$TOP/tests/fixtures/fwcfg-qemu
	run env LD_LIBRARY_PATH="$x/usr/lib/$ma" CPUID_DUMP="$F/cpuid-kvm.txt" \
	    "$T/units"
	expect "the example against the packages" 0 \
	    'pvbus0: KVM "KVMKVMKVM", store none'
else
	fail "the example against the packages" "$(head -c 300 "$T/cc.err")"
fi
F=$TOP/tests/fixtures/fwcfg-qemu
run env PYTHONPATH="$x/usr/lib/python3/dist-packages" \
    LD_LIBRARY_PATH="$x/usr/lib/$ma" /usr/bin/python3 -c '
import sys, pvbus
with pvbus.open(root=sys.argv[1], cpuid_dump=sys.argv[1] + "/cpuid-kvm.txt") as bus:
    print(pvbus.__file__, bus.units[0].type, bus.units[0].read("opt/org.example/k"))
' "$F"
expect "python3-pvbus's module over libpvbus0's library" 0 \
    "$x/usr/lib/python3/dist-packages/pvbus/__init__.py KVM v1"
