#!/bin/sh
# bench/outage.sh: keluhd's delivery after a receiver outage. 500 complaints
# (one alert each) go to a webhook sink on 127.0.0.1 that answers 500, then
# is down for BENCH_OUTAGE_SECONDS (60), then answers 200; prints delivered,
# lost, duplicated and the seconds from the sink's recovery to the last
# alert, beside the target (pending / rate + 5 s). Run from the build
# directory (or set KELUHD). BENCH_SCENARIO=kill also kills keluhd halfway
# through the outage; storm is a 500/429 storm. See bench/README.md.
here=$(cd "$(dirname "$0")" && pwd)
exec "${PYTHON:-python3}" "$here/outage.py" --system keluh \
	--scenario "${BENCH_SCENARIO:-outage}" --keluhd "${KELUHD:-./keluhd}" "$@"
