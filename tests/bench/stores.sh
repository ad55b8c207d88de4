# Store benchmarks: backdoor calls and time of a 60 KiB guestinfo read
# (hostctl against vmware-rpctool), and reads from xssim and KVP pools.
B=${PVBUS_BUILD:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
trap 'kill $xs 2>/dev/null; rm -rf "$T"' EXIT

us() {	# N command...: mean microseconds per run
	n=$1; shift
	s=$(date +%s%N)
	i=0
	while [ $i -lt "$n" ]; do "$@" >/dev/null 2>&1; i=$((i + 1)); done
	echo $(( ($(date +%s%N) - s) / n / 1000 ))
}
io() {	# the io= figure of hvsim --stats
	"$@" 2>&1 >/dev/null | sed -n 's/^hvsim: cpuid=[0-9]* io=\([0-9]*\)$/\1/p'
}

head -c 61440 /dev/zero | tr '\0' v > "$T/v60k"
V="$B/hvsim --profile vmware --state $T/state"
$V -- "$B/hostctl" -i "$T/v60k" guestinfo.big >/dev/null
for hb in "" "--no-hb"; do
	h=$(io $V $hb --stats -- "$B/hostctl" guestinfo.big)
	r=$(io $V $hb --stats -- vmware-rpctool "info-get guestinfo.big")
	printf '%-52s %14s %10s\n' "guestinfo 60 KiB read ${hb:-(HB)}: backdoor calls" \
	    "hostctl $h" "rpctool $r"
done
printf '%-52s %14s %10s\n' "guestinfo 60 KiB read under hvsim" "" \
    "$(us 5 $V -- "$B/hostctl" guestinfo.big)"

if command -v xenstore-write >/dev/null; then
	"$B/xssim" --socket "$T/xs" --domid 5 & xs=$!
	i=0; while [ ! -S "$T/xs" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	XENSTORED_PATH=$T/xs xenstore-write /local/domain/5/data/x value
	export XENSTORED_PATH=$T/xs
	printf '%-52s %14s %10s\n' "xenstore read, hostctl -C xen dump" "" \
	    "$(us 50 "$B/hostctl" -C "$TOP/../shared/cpuid-dumps/xen-4.11-aws-c3.large.txt" data/x)"
	printf '%-52s %14s %10s\n' "xenstore read, xenstore-read" "" \
	    "$(us 50 xenstore-read /local/domain/5/data/x)"
	unset XENSTORED_PATH
fi

mkdir -p "$T/root/var/lib/hyperv"
i=0
while [ $i -lt 5 ]; do : > "$T/root/var/lib/hyperv/.kvp_pool_$i"; i=$((i + 1)); done
# 1000 records written record by record as the daemon writes them.
awk 'BEGIN { for (i = 0; i < 1000; i++) printf "Key%04d=value %d\n", i, i }' |
while IFS== read -r k v; do
	"$B/tests/kvp_tool" set "$T/root/var/lib/hyperv/.kvp_pool_0" "$k" "$v"
done
KVP="$B/hostctl -C $TOP/../shared/cpuid-dumps/hyperv-azure-2023-icelake.txt -r $T/root"
printf '%-52s %14s %10s\n' "kvp read, last of 1000 records" "" \
    "$(us 50 $KVP External/Key0999)"
printf '%-52s %14s %10s\n' "kvp list of 1000 records" "" \
    "$(us 20 $KVP External/)"
printf '%-52s %14s %10s\n' "kvp write of a new Guest key" "" \
    "$(us 50 $KVP Guest/bench v)"
