# Shell helpers for the test scripts.  Source it; it sets
#   TOP    the source tree        B     the build directory
#   T      a scratch directory removed at exit
# and offers:
#   pass NAME / fail NAME WHY / skip NAME WHY
#   run CMD...          runs CMD, leaves stdout in $OUT, stderr in $ERR,
#                       the exit status in $RC
#   expect NAME RC OUT [ERR]   compares the last run with the expectation

TOP=${PVBUS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${PVBUS_BUILD:-$TOP/build}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP

# LeakSanitizer cannot run under ptrace (hvsim) and peers are preloaded with
# uninstrumented libraries; the unit tests and the valgrind lane keep leaks
# in view.
case $B in
*-san)	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0:verify_asan_link_order=0"
	export ASAN_OPTIONS ;;
esac

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }
skip() { echo "SKIP: $1: $2"; }

run() {
	"$@" >"$T/.out" 2>"$T/.err"
	RC=$?
	OUT=$(cat "$T/.out")
	ERR=$(cat "$T/.err")
}

expect() {
	name=$1 rc=$2 out=$3
	if [ "$RC" != "$rc" ]; then
		fail "$name" "exit $RC, wanted $rc (stderr: $ERR)"
	elif [ "$OUT" != "$out" ]; then
		fail "$name" "stdout '$OUT', wanted '$out'"
	elif [ $# -ge 4 ] && [ "$ERR" != "$4" ]; then
		fail "$name" "stderr '$ERR', wanted '$4'"
	else
		pass "$name"
	fi
}

# hvsim's own verdict on this machine: 0 usable, else the reason on stdout.
hvsim_usable() {
	"$B/hvsim" --profile none -- true >/dev/null 2>"$T/.hvsim"
	rc=$?
	[ $rc -eq 77 ] && { cat "$T/.hvsim"; return 1; }
	return 0
}
