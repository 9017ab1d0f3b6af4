#!/bin/sh
# bench/compare_alertmanager.sh: keluhd and Prometheus Alertmanager side by
# side under the same receiver faults (a 500/429 storm, a receiver outage,
# the outage with a SIGKILL of the daemon halfway), in one run; prints each
# system's delivered / lost / duplicated / seconds from recovery to the
# last delivery. Run from the build directory (or set KELUHD).
#
# Alertmanager is Debian's prometheus-alertmanager package. It is installed
# here, for this benchmark only, when it is missing and we are root
# (BENCH_INSTALL=0 never installs; without it the Alertmanager rows are
# skipped). Knobs: BENCH_OUTAGE_SECONDS (60), BENCH_FAIL_SECONDS (5),
# BENCH_STORM_SECONDS (20), BENCH_WAIT_SECONDS (180); see bench/README.md.
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v prometheus-alertmanager >/dev/null 2>&1 && [ "${BENCH_INSTALL:-1}" = 1 ] &&
    [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "# installing prometheus-alertmanager (the bench's comparison)"
	# (the bench runs its own instance on a free port with a temporary storage)
	apt-get install -y --no-install-recommends prometheus-alertmanager >/dev/null ||
		echo "# apt-get install prometheus-alertmanager failed"
fi
exec "${PYTHON:-python3}" "$here/outage.py" --system both --scenario "${BENCH_SCENARIO:-all}" \
	--keluhd "${KELUHD:-./keluhd}" "$@"
