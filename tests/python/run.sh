#!/bin/sh
# The pvbus Python module (python/pvbus) over the build's libpvbus.so.0,
# with pytest: once with CPUID dumps, then each store's tests again under
# hvsim's profile of its hypervisor.  Every pytest case is one line here;
# each run's closing line must count as many passed cases as it reported.
. "$(dirname "$0")/../lib.sh"

# Debian's interpreter, the one python3-pvbus and python3-pytest install for.
py=${PVBUS_PYTHON:-/usr/bin/python3}
"$py" -c 'import pytest' 2>"$T/py.err" ||
    { fail "pytest" "$py cannot import pytest: $(cat "$T/py.err")"; exit 1; }
export PYTHONPATH="$TOP/python:$TOP/tests/python" LD_LIBRARY_PATH="$B"
export PVBUS_PYTEST_RESULTS="$T/results"
# Bytecode and pytest's cache stay out of the tree.
export PYTHONDONTWRITEBYTECODE=1

# pytest_run PREFIX [hvsim ARGS --] FILES...
pytest_run() {
	prefix=$1; shift
	: >"$T/results"
	PVBUS_PYTEST_PREFIX=$prefix "$@" >"$T/pytest.out" 2>&1
	rc=$?
	cat "$T/results"
	n=$(grep -c '^PASS: ' "$T/results")
	closing=$(grep -E '^=* ?[0-9]+ (passed|failed)' "$T/pytest.out" | tail -n 1)
	got=$(echo "$closing" | sed -n 's/.* \([0-9][0-9]*\) passed.*/\1/p;
	    s/^=* *\([0-9][0-9]*\) passed.*/\1/p' | head -n 1)
	if [ $rc -ne 0 ] || [ "${got:-0}" != "$n" ] || [ "$n" -eq 0 ]; then
		fail "${prefix}pytest" "exit $rc, closing line '$closing', $n PASS lines"
		tail -n 20 "$T/pytest.out" | sed 's/^/    /'
	else
		pass "${prefix}pytest: $closing"
	fi
}

pyt="$py -m pytest -q -p no:cacheprovider"
d=$TOP/tests/python
pytest_run "" $pyt "$d/test_api.py" "$d/test_fwcfg.py" "$d/test_kvp.py" \
    "$d/test_xenstore.py"

if ! why=$(hvsim_usable); then
	for p in vmware xen hyperv kvm; do
		skip "hvsim-$p" "$why"
	done
	exit 0
fi
hv() {
	p=$1; shift
	pytest_run "hvsim-$p:" env PVBUS_HVSIM_PROFILE=$p \
	    timeout 300 "$B/hvsim" --profile $p "$@"
}
hv vmware --state "$T/vmware" -- $pyt "$d/test_guestinfo.py"
hv xen -- $pyt "$d/test_xenstore.py"
hv hyperv -- $pyt "$d/test_kvp.py"
hv kvm -- $pyt "$d/test_fwcfg.py"
