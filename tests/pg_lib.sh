# A throw-away PostgreSQL cluster for the tests that run the spool on
# PostgreSQL. Sourced after tests/lib.sh (and tests/daemon_lib.sh, if at
# all). pg_start makes the cluster with initdb in a temp directory of its
# own and starts it listening on a Unix socket in that directory only (no
# TCP); it never touches a system cluster. keluh connects as the role
# keluh, which is no superuser: it only owns the database keluh (what
# keluhd(8) asks for). It exports PG_CONNINFO (libpq words, as keluh),
# PG_SPOOL (the spool path, "postgresql:" PG_CONNINFO) and PG_ADMIN (the
# superuser keluh_admin's words, for what a test does behind keluh's
# back: databases, roles), and stops the cluster at exit. Without the server binaries the whole test
# is skipped: "1..0 # SKIP ...".

PG_BIN=
for _d in /usr/lib/postgresql/*/bin; do
	[ -x "$_d/initdb" ] && [ -x "$_d/pg_ctl" ] && PG_BIN=$_d
done
PG_DIR=
PG_AS=

pg_ctl_run() {
	$PG_AS "$PG_BIN/pg_ctl" -D "$PG_DIR/data" "$@"
}

# pg_up: starts the cluster made by pg_start (again, after pg_down)
pg_up() {
	pg_ctl_run -l "$PG_DIR/server.log" -w -t 60 -o "-c listen_addresses='' \
-c unix_socket_directories='$PG_DIR' -c fsync=off -c full_page_writes=off" start >/dev/null
}

# pg_down: stops it at once (the daemons' connections are cut, as when the database fails)
pg_down() {
	pg_ctl_run -m immediate -w stop >/dev/null 2>&1
}

pg_stop() {
	[ -n "$PG_DIR" ] || return 0
	pg_ctl_run -m immediate -w stop >/dev/null 2>&1
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$PG_DIR"
	PG_DIR=
}

pg_start() {
	if [ -z "$PG_BIN" ]; then
		echo "1..0 # SKIP no PostgreSQL server binaries (install postgresql)"
		exit 0
	fi
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/keluh-pg.XXXXXX")
	chmod 0755 "$PG_DIR"
	# the server refuses to run as root: then it runs as an unprivileged user
	if [ "$(id -u)" = 0 ]; then
		_u=postgres
		id "$_u" >/dev/null 2>&1 || _u=nobody
		chown "$_u" "$PG_DIR"
		PG_AS="runuser -u $_u --"
	fi
	trap 'command -v cleanup_daemons >/dev/null && cleanup_daemons; pg_stop; [ -n "${KEEP_TMP:-}" ] || rm -rf "$TMPD"' EXIT
	if ! $PG_AS "$PG_BIN/initdb" -D "$PG_DIR/data" -U keluh_admin --auth=trust -E UTF8 \
		--no-locale >"$PG_DIR/initdb.log" 2>&1; then
		echo "Bail out! initdb failed"
		sed 's/^/# /' "$PG_DIR/initdb.log"
		exit 1
	fi
	if ! pg_up; then
		echo "Bail out! the PostgreSQL server did not start"
		sed 's/^/# /' "$PG_DIR/server.log"
		exit 1
	fi
	PG_ADMIN="host=$PG_DIR dbname=postgres user=keluh_admin"
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$PG_ADMIN" \
		-c "CREATE ROLE keluh LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE" \
		-c "CREATE DATABASE keluh OWNER keluh" >/dev/null ||
		{ echo "Bail out! cannot make the role and database keluh"; exit 1; }
	PG_CONNINFO="host=$PG_DIR dbname=keluh user=keluh"
	PG_SPOOL="postgresql:$PG_CONNINFO"
	export PG_CONNINFO PG_SPOOL PG_ADMIN
}

# the complaints waiting for the leader's claim, named by batch
# (waiting_batches, PostgreSQL schema 9)
PG_WAITING='SELECT coalesce(sum(cardinality(ids)), 0) FROM waiting_batches'

# psql_int SQL: one query as keluhd's role, its rows unaligned, without a header
psql_int() {
	"$PG_BIN/psql" -X -Atq -d "$PG_CONNINFO" -c "$1"
}
