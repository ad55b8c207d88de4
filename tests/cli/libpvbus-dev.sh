# What a developer gets from make install: libpvbus(3) documents every
# function of pvbus.h and has a manual (link) per function, libpvbus.pc
# gives the flags, and the manual's example builds with them and runs.
. "$(dirname "$0")/../lib.sh"

man=$TOP/man/libpvbus.3
funcs=$(sed -n 's/^[a-z].*[[:space:]*]\(pvbus_[a-z_]*\)(.*/\1/p' "$TOP/include/pvbus.h")
missing=
for f in $funcs; do
	grep -q "^\.Nm $f\( ,\)*$" "$man" && grep -q "^\.F[no] $f\( \|$\)" "$man" ||
	    missing="$missing $f"
done
[ -z "$missing" ] && pass "libpvbus(3) names and declares every function ($(echo $funcs | wc -w))" ||
    fail "libpvbus(3) names and declares every function" "missing:$missing"
extra=
for f in $(sed -n 's/^\.Nm \(pvbus_[a-z_]*\).*/\1/p' "$man"); do
	echo "$funcs" | grep -qx "$f" || extra="$extra $f"
done
[ -z "$extra" ] && pass "libpvbus(3) names no function pvbus.h lacks" ||
    fail "libpvbus(3) names no function pvbus.h lacks" "$extra"
run mandoc -Tlint -Wwarning "$man"
expect "libpvbus(3) is lint-clean" 0 ""

# make install into a fresh prefix, from the build under test.
case $B in *-san) san=1 ;; *) san= ;; esac
p=$T/prefix
if make -s -C "$TOP" install BUILD="$B" ${san:+SAN=1} PREFIX="$p" \
    >"$T/install.out" 2>&1; then
	pass "make install PREFIX=..."
else
	fail "make install PREFIX=..." "$(tail -n 5 "$T/install.out")"
	exit 1
fi
nolink=
for f in $funcs; do
	[ "$(readlink "$p/share/man/man3/$f.3")" = libpvbus.3 ] ||
	    nolink="$nolink $f"
done
[ -z "$nolink" ] && [ -f "$p/share/man/man3/libpvbus.3" ] &&
    pass "a manual link per function" || fail "a manual link per function" "$nolink"

export PKG_CONFIG_PATH="$p/lib/pkgconfig"
# pkgconf ends its output with a blank.
run sh -c 'echo $(pkg-config --cflags --libs libpvbus)'
expect "pkg-config --cflags --libs libpvbus" 0 "-I$p/include -L$p/lib -lpvbus"
run pkg-config --modversion libpvbus
expect "pkg-config --modversion" 0 \
    "$(sed -n 's/^VERSION[[:space:]]*:= *//p' "$TOP/Makefile")"

# The example of EXAMPLES, as the manual shows it.
sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$man" |
    sed -n '/^\.Bd -literal/,/^\.Ed/p' | sed '1d;/^\.Ed/,$d' |
    sed 's/\\e/\\/g; s/\\&//g' >"$T/units.c"
grep -q 'pvbus_kvop' "$T/units.c" ||
    { fail "the example" "not found in EXAMPLES"; exit 1; }
case $B in *-san) sanflags="-fsanitize=address,undefined" ;; *) sanflags= ;; esac
# The build line of the manual.
if cc $sanflags -Wall -Wextra -Werror -o "$T/units" "$T/units.c" \
    $(pkg-config --cflags --libs libpvbus) 2>"$T/cc.err"; then
	pass "the example compiles with pkg-config's flags"
else
	fail "the example compiles with pkg-config's flags" "$(head -c 400 "$T/cc.err")"
	exit 1
fi
"$TOP/tests/fixtures/cpuid/mkdump" 0x80000000 \
    0x40000000='Microsoft Hv:0x40000005' \
    0x40000100='KVMKVMKVM\0\0\0:0x40000101' >"$T/dump"
run env LD_LIBRARY_PATH="$p/lib" CPUID_DUMP="$T/dump" "$T/units"
case $OUT in
'pvbus0: KVM "KVMKVMKVM", store '*'
pvbus1: Hyper-V "Microsoft Hv", store '*)
	pass "the example lists the units" ;;
*)	fail "the example lists the units" "exit $RC: $OUT $ERR" ;;
esac
LD_LIBRARY_PATH="$p/lib" ldd "$T/units" | grep -q "libpvbus.so.0 => $p/lib/libpvbus.so.0" &&
    pass "the example loads the installed library" ||
    fail "the example loads the installed library" "$(ldd "$T/units")"

if ! why=$(hvsim_usable); then
	skip "the example reads guestinfo" "$why"
	exit 0
fi
hv() { timeout 120 "$B/hvsim" --profile vmware --state "$T/vm" "$@"; }
hv -- vmware-rpctool "info-set guestinfo.example from the host" >/dev/null
run hv -- env LD_LIBRARY_PATH="$p/lib" "$T/units" guestinfo.example
expect "the example reads guestinfo under hvsim" 0 \
    'pvbus0: VMware "VMwareVMware", store guestinfo
from the host'
run hv -- env LD_LIBRARY_PATH="$p/lib" "$T/units" guestinfo.none
expect "the example reports a missing key" 1 \
    'pvbus0: VMware "VMwareVMware", store guestinfo' \
    "guestinfo.none: No such file or directory"
