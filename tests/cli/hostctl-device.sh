# hostctl in device mode, against a test backend preloaded into it that makes
# /dev/null answer the pvbus ioctls (tests/preload/fakepvbus.c).
. "$(dirname "$0")/../lib.sh"

F=$T/fake
mkdir -p "$F"
export FAKEPVBUS_DIR="$F" ASAN_OPTIONS=verify_asan_link_order=0
hc() { LD_PRELOAD="$B/fakepvbus.so" "$B/hostctl" -f /dev/null "$@"; }
keyfile() { printf '%s/k_%s' "$F" "$(printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n')"; }

run hc -t
expect "device: -t" 0 "/dev/null: Fake"

: > "$F/log"
run hc some/key hello
expect "device: write" 0 ""
[ "$(cat "$(keyfile some/key)")" = hello ] && pass "device: write reaches the device" ||
    fail "device: write reaches the device" "$(ls "$F")"
[ "$(cat "$F/log")" = "write 1 4096 65536" ] &&
    pass "device: write on a descriptor reopened read-write" ||
    fail "device: write reopens read-write" "$(cat "$F/log")"

: > "$F/log"
run hc some/key
expect "device: read" 0 "hello"
[ "$(cat "$F/log")" = "read 0 4096 4096" ] && pass "device: read on a read-only descriptor" ||
    fail "device: read descriptor" "$(cat "$F/log")"

run hc -q some/key
expect "device: -q prints nothing" 0 ""
run hc -o - some/key
expect "device: -o -" 0 "hello"
printf '' > "$(keyfile empty)"
run hc empty
expect "device: empty value prints nothing" 0 ""
run hc missing
expect "device: error from the device" 1 "" "hostctl: ioctl: No such file or directory"

# The read buffer starts at 4096 and doubles on ERANGE up to 65536.
head -c 10000 /dev/zero | tr '\0' a > "$(keyfile big)"
: > "$F/log"
run hc big
[ $RC = 0 ] && [ "$OUT" = "$(cat "$(keyfile big)")" ] &&
    [ "$(cut -d' ' -f4 "$F/log" | tr '\n' ' ')" = "4096 8192 16384 " ] &&
    pass "device: ERANGE doubles the buffer 4096, 8192, 16384" ||
    fail "device: ERANGE doubling" "$RC $(cat "$F/log")"
head -c 65535 /dev/zero | tr '\0' b > "$(keyfile max)"
run hc max
[ $RC = 0 ] && [ "${#OUT}" = 65535 ] && pass "device: 65535-byte value" ||
    fail "device: 65535-byte value" "$RC ${#OUT}"
head -c 65536 /dev/zero | tr '\0' c > "$(keyfile over)"
: > "$F/log"
run hc over
[ $RC = 1 ] && [ "$ERR" = "hostctl: ioctl: Numerical result out of range" ] &&
    [ "$(cut -d' ' -f4 "$F/log" | tr '\n' ' ')" = "4096 8192 16384 32768 65536 " ] &&
    pass "device: ERANGE past 65536 fails" || fail "device: ERANGE past 65536" "$RC $ERR $(cat "$F/log")"

# vis(3): every byte value but NUL, in a value read and in a key written.
awk 'BEGIN { for (i = 1; i < 256; i++) printf "%c", i }' > "$T/bytes"
[ "$(wc -c < "$T/bytes")" = 255 ] || fail "vis: test input" "awk wrote $(wc -c < "$T/bytes") bytes"
cp "$T/bytes" "$(keyfile allbytes)"
hc allbytes > "$T/vis.out"
"$B/tests/unvis_check" "$T/bytes" < "$T/vis.out" && pass "vis: 255 byte values of a value, decoded back" ||
    fail "vis: value" "$(od -c "$T/vis.out" | head -5)"
for i in 7 8 9 10 13; do
	printf "\\$(printf %o $i)" > "$T/safe"
	cp "$T/safe" "$(keyfile safe)"
	hc safe > "$T/safe.out"
	printf '\n' >> "$T/safe"
	cmp -s "$T/safe" "$T/safe.out" && pass "vis: byte $i passes unencoded (VIS_SAFE)" ||
	    fail "vis: byte $i" "$(od -c "$T/safe.out")"
done
printf '\033[2J' > "$(keyfile esc)"
run hc esc
expect "vis: escape sequence encoded" 0 '\^[[2J'
bad=
for i in $(seq 1 255); do
	k=$(printf "x\\$(printf %o $i)y")
	LD_PRELOAD="$B/fakepvbus.so" "$B/hostctl" -f /dev/null "$k" v >/dev/null 2>&1
	f=$(cd "$F" && ls | grep '^k_78.*79$' | head -1)
	perl -e 'print pack("H*", $ARGV[0])' "${f#k_}" > "$T/enc"
	printf 'x\'"$(printf %o $i)"'y' > "$T/raw"
	"$B/tests/unvis_check" "$T/raw" < "$T/enc" >/dev/null || bad="$bad $i"
	rm -f "$F/$f"
done
[ -z "$bad" ] && pass "vis: keys with each byte value 1-255 sent encoded" ||
    fail "vis: keys" "bytes$bad"

# -i keeps the whole input less one trailing newline.
printf 'line one\nline two\n\n' > "$T/in"
run hc -i "$T/in" multi
printf 'line one\nline two\n' > "$T/want"
[ $RC = 0 ] && cmp -s "$T/want" "$(keyfile multi)" && pass "-i keeps every line" ||
    fail "-i keeps every line" "$(od -c "$(keyfile multi)")"
printf 'from stdin\n' | LD_PRELOAD="$B/fakepvbus.so" "$B/hostctl" -f /dev/null -i - stdin >/dev/null 2>&1
[ "$(cat "$(keyfile stdin)")" = "from stdin" ] && pass "-i - reads stdin" ||
    fail "-i - reads stdin" "$(cat "$(keyfile stdin)")"
head -c 65535 /dev/zero | tr '\0' d > "$T/max"
run hc -i "$T/max" imax
[ $RC = 0 ] && cmp -s "$T/max" "$(keyfile imax)" && pass "-i value of 65535 bytes (OpenBSD stops at 4096)" ||
    fail "-i 65535 bytes" "$RC $ERR"
