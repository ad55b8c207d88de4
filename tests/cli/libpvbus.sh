# libpvbus as a shared library: its SONAME, its ABI (the functions of
# pvbus.h and nothing else), and a program linked against it.
. "$(dirname "$0")/../lib.sh"

so=$B/libpvbus.so
soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libpvbus.so.0 ] && pass "SONAME libpvbus.so.0" ||
    fail "SONAME" "$soname"
other=$(nm -D --defined-only "$so" | awk '$2 == "T" && $3 !~ /^pvbus_/ { print $3 }')
[ -z "$other" ] && pass "exports only pvbus_*" || fail "exports" "$other"
missing=
funcs=$(sed -n 's/^[a-z].*[[:space:]*]\(pvbus_[a-z_]*\)(.*/\1/p' "$TOP/include/pvbus.h")
for f in $funcs; do
	nm -D --defined-only "$so" | grep -q " $f@" || missing="$missing $f"
done
n=$(echo $funcs | wc -w)
all=$(grep -c '^[a-z].*[[:space:]*]pvbus_[a-z_]*(' "$TOP/include/pvbus.h")
[ -z "$missing" ] && [ "$n" = "$all" ] && [ "$n" -ge 20 ] &&
    pass "exports every function of pvbus.h ($n)" ||
    fail "exports of pvbus.h" "missing$missing; checked $n of $all"

cat > "$T/tree.c" <<'C'
#include <stdio.h>
#include <pvbus.h>

int
main(int argc, char *argv[])
{
	struct pvbus_options o = { .cpuid_dump = argv[1] };
	struct pvbus *bus;
	size_t i;

	if (argc != 2 || pvbus_open(&bus, &o) != 0)
		return (2);
	for (i = 0; i < pvbus_nunits(bus); i++)
		printf("%s %s\n", pvbus_unit_name(pvbus_unit(bus, i)),
		    pvbus_unit_type(pvbus_unit(bus, i)));
	pvbus_close(bus);
	return (0);
}
C
case $B in *-san) san="-fsanitize=address,undefined" ;; *) san= ;; esac
if cc $san -I"$TOP/include" -o "$T/tree" "$T/tree.c" -L"$B" -lpvbus 2>"$T/cc.err"; then
	"$TOP/tests/fixtures/cpuid/mkdump" 0x80000000 \
	    0x40000000='Microsoft Hv:0x40000005' \
	    0x40000100='KVMKVMKVM\0\0\0:0x40000101' > "$T/dump"
	run env LD_LIBRARY_PATH="$B" "$T/tree" "$T/dump"
	expect "a program linked against libpvbus.so" 0 "pvbus0 KVM
pvbus1 Hyper-V"
	LD_LIBRARY_PATH="$B" ldd "$T/tree" | grep -q "libpvbus.so.0 => $B/libpvbus.so.0" &&
	    pass "the program loads libpvbus.so.0" || fail "ldd" "$(ldd "$T/tree")"
else
	fail "a program linked against libpvbus.so" "$(cat "$T/cc.err")"
fi
