# The sandbox of pvbusd's unit as systemd rates it: the exposure score of
# systemd-analyze security must be 4.9 ("OK") or better.  What the sandbox
# lets pvbusd do is exercised in tests/vm/sandbox.sh.
. "$(dirname "$0")/../lib.sh"

unit=$TOP/dist/pvbusd.service
run systemd-analyze security --offline=true --no-pager "$unit"
score=$(echo "$OUT" | sed -n 's/^→ Overall exposure level for pvbusd.service: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p')
case $score in
[0-9]*.[0-9]*)
	if awk -v s="${score% *}" 'BEGIN { exit !(s <= 4.9) }'; then
		pass "pvbusd.service exposure $score (systemd-analyze security --offline=true)"
	else
		fail "pvbusd.service exposure" "$score, wanted 4.9 or less: $(echo "$OUT" | grep '✗' | awk '{ print $2 }' | tr '\n' ' ')"
	fi ;;
*)	fail "pvbusd.service exposure" "no score (exit $RC): $ERR" ;;
esac
# Every directive is one systemd knows: an unknown one is ignored with a
# warning, and its protection silently missing.
run systemd-analyze verify --man=no "$unit"
echo "$ERR" | grep -v 'Command /usr/sbin/pvbusd is not executable' |
    grep -q . && fail "systemd-analyze verify" "$ERR" ||
    pass "systemd-analyze verify: every directive known"
