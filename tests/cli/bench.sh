#!/bin/sh
# The benchmark driver in its smallest run: every row measured once, the
# JSON well-formed and complete.  Nothing here is about speed; the figures
# are only checked to be figures.
. "$(dirname "$0")/../lib.sh"

P=$B/bench/pair
[ -x "$P" ] || { echo "FAIL: build: $P missing"; exit 1; }

# --- pair: one line per command, the printed figure, a changing status.
run "$P" -n 3 -w 1 -- true -- sh -c 'exit 3'
if [ "$RC" = 0 ] && [ "$(echo "$OUT" | wc -l)" = 2 ] &&
    [ "$(echo "$OUT" | awk 'NF == 16 { n++ } END { print n }')" = 2 ] &&
    [ "$(echo "$OUT" | awk '{ print $1 }' | tr '\n' ' ')" = "0 3 " ]; then
	pass "pair: a line of figures per command"
else
	fail "pair: a line of figures per command" "exit $RC: $OUT $ERR"
fi
run "$P" -p -n 2 -w 0 -- echo "took 42.5 units"
if [ "$RC" = 0 ] &&
    echo "$OUT" | awk '$1 != 0 || $11 != 42.5 || $12 != 42.5 || $13 != 42.5 { exit 1 }'; then
	pass "pair -p: the figure printed"
else
	fail "pair -p: the figure printed" "exit $RC: $OUT"
fi
run "$P" -o "$T/pair.out" -p -n 2 -w 0 -- echo 42
if [ "$RC" = 0 ] && [ -z "$OUT" ] &&
    awk 'NF != 16 || $1 != 0 || $11 != 42 { exit 1 } END { exit NR != 1 }' \
    "$T/pair.out"; then
	pass "pair -o: the line into the file"
else
	fail "pair -o: the line into the file" "exit $RC: $OUT / $(cat "$T/pair.out")"
fi
run "$P" -o "$T/no/such/dir" -n 1 -- true
expect "pair -o: a file that cannot be made" 2 "" \
    "pair: $T/no/such/dir: No such file or directory"
echo kept >"$T/kept"
run "$P" -o "$T/kept" -n 0 -- true
[ "$RC" = 2 ] && [ "$(cat "$T/kept")" = kept ] &&
    pass "pair -o: a usage error leaves the file alone" ||
    fail "pair -o: a usage error leaves the file alone" "exit $RC: $(cat "$T/kept")"
run "$P" -n 2 -w 0 -- sh -c "[ ! -e $T/once ] && : >$T/once"
if [ "$RC" = 1 ] && echo "$ERR" | grep -q 'exit status 0, then 1'; then
	pass "pair: a status that changes fails"
else
	fail "pair: a status that changes fails" "exit $RC: $ERR"
fi
# A daemon stand-in of two processes: stopped with its group after 1 s.
run "$P" -k 1 -n 1 -w 0 -- sh -c 'sleep 60 & wait'
if [ "$RC" = 0 ] && echo "$OUT" | awk '$1 != 143 || $8 <= 0 || $14 <= 0 || $14 > $8 { exit 1 }'; then
	pass "pair -k: the group stopped by SIGTERM"
else
	fail "pair -k: the group stopped by SIGTERM" "exit $RC: $OUT $ERR"
fi
run "$P" -n 0 -- true
expect "pair: no runs is a usage error" 2 "" \
    "usage: pair [-n runs] [-w warm] [-p] [-k secs] [-o file] -- A [ARGS...] [-- B [ARGS...]]..."

# --- The driver, once through.
BENCH_RUNS=1 BENCH_WARM=0 BENCH_OPS=5 BENCH_RECORDS=5 BENCH_AGENT_S=1 \
    BENCH_AGENT_RUNS=1 \
    BENCH_JSON=$T/bench.json run "$TOP/tests/bench/run" "$B"
echo "$OUT" >"$T/table"
if [ "$RC" = 0 ]; then
	pass "driver: every row measured"
else
	fail "driver: every row measured" "exit $RC: $(echo "$ERR" | head -n 5)"
fi
# The agent rows where pvbusd has an agent; the KVP agent's where the
# driver can make its namespaces (root) and hv_kvp_daemon is there.
agent= kvp=
"$B/pvbusd" -\? 2>&1 | grep -q -e '\[-a' && agent=1
[ -n "$agent" ] && [ "$(id -u)" = 0 ] && [ -x /usr/sbin/hv_kvp_daemon ] && kvp=1
run python3 - "$T/bench.json" "$agent" "$kvp" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["metrics"]
want = ["detect floor", "detect: hostctl", "vmware read", "vmware write",
    "xenstore read", "xenstore write", "xenstore requests", "kvp read",
    "kvp list", "stripped size", "peak rss"]
if sys.argv[2]:
    want += ["agent cpu", "agent peak rss"]
if sys.argv[3]:
    want += ["agent cpu: pvbusd -a, KVP", "agent peak rss: pvbusd -a, KVP"]
errs = []
names = [r.get("name") for r in m]
if len(set(names)) != len(names):
    errs.append("names repeat")
for r in m:
    for k, t in (("name", str), ("unit", str), ("peer_name", str)):
        if not isinstance(r.get(k), t) or not r[k]:
            errs.append("%s: %s not a string" % (r.get("name"), k))
    if not isinstance(r.get("ours"), (int, float)) or r["ours"] < 0:
        errs.append("%s: ours not a figure" % r.get("name"))
    if not isinstance(r.get("peer"), (int, float)) or r["peer"] < 0:
        errs.append("%s: peer not a figure" % r.get("name"))
    if r.get("better") not in ("lower", "higher"):
        errs.append("%s: better is %r" % (r.get("name"), r.get("better")))
    if r.get("met") not in ("yes", "no", "-", "n/a"):
        errs.append("%s: met is %r" % (r.get("name"), r.get("met")))
for w in want:
    if not any(n.startswith(w) for n in names):
        errs.append("no row " + w)
print("; ".join(errs) if errs else "%d rows" % len(m))
sys.exit(1 if errs else 0)
PY
if [ "$RC" = 0 ]; then
	pass "driver: bench.json well-formed ($OUT)"
else
	fail "driver: bench.json well-formed" "$OUT $ERR"
fi
# The table names every row of the JSON.
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["metrics"]))' "$T/bench.json")
rows=$(($(wc -l <"$T/table") - 2))
if [ "$rows" = "$n" ]; then
	pass "driver: the table has the rows of the JSON"
else
	fail "driver: the table has the rows of the JSON" "$rows lines, $n rows"
fi
