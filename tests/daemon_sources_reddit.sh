#!/bin/sh
# reddit sources against a local stand-in for Reddit's OAuth API
# (tests/reddit_server.py, 127.0.0.1 only): tokens with HTTP Basic (app-only
# and a script app's password grant), real-shaped listings over several
# polls that overlap, rate limit headers (spread, used up), a 429 with and
# without Retry-After, a revoked token (one new token, then success),
# malformed JSON (counted, skipped), deleted bodies, comments and search;
# every complaint alerts exactly once, across a restart that resumes from
# the stored cursor. Health: refused credentials show as failing, a 429
# that lasts as throttled.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

start_sink hook
start_sink ops
write_login_rules

# script.py PHASE: the server's script for this phase of the test
cat >"$TMPD/script.py" <<'PY'
import json, sys

phase = sys.argv[2]
T0 = 1795000000.0

def post(i, title, selftext="", **kw):
    d = {"approved_at_utc": None, "subreddit": "AcmeSupport", "selftext": selftext,
         "author_fullname": "t2_u%d" % i, "title": title, "subreddit_name_prefixed": "r/AcmeSupport",
         "name": "t3_1h%03dz" % i, "id": "1h%03dz" % i, "over_18": False, "score": 3,
         "created": T0 + i, "created_utc": T0 + i * 60 + 0.0, "author": "user%d" % i,
         "permalink": "/r/AcmeSupport/comments/1h%03dz/post_%d/" % (i, i),
         "url": "https://www.reddit.com/r/AcmeSupport/comments/1h%03dz/post_%d/" % (i, i),
         "num_comments": 0, "is_self": True, "removed_by_category": None}
    d.update(kw)
    return {"kind": "t3", "data": d}

def comment(i, body, **kw):
    d = {"subreddit": "acme", "body": body, "author": "c%d" % i, "name": "t1_k%03d" % i,
         "id": "k%03d" % i, "link_id": "t3_1h001z", "parent_id": "t3_1h001z",
         "created_utc": T0 + i * 30, "link_permalink": "https://www.reddit.com/r/acme/comments/1h001z/post_1/",
         "permalink": "/r/acme/comments/1h001z/post_1/k%03d/" % i, "score": 1, "over_18": False}
    d.update(kw)
    return {"kind": "t1", "data": d}

def listing(*children):
    kids = sorted(children, key=lambda c: (len(c["data"]["id"]), c["data"]["id"]), reverse=True)
    return json.dumps({"kind": "Listing", "data": {"after": kids[-1]["data"]["name"] if kids else None,
                       "dist": len(kids), "modhash": "", "geo_filter": "", "children": kids,
                       "before": None}})

def rl(used, remaining, reset):
    return {"Content-Type": "application/json; charset=UTF-8", "X-Ratelimit-Used": str(used),
            "X-Ratelimit-Remaining": "%.1f" % remaining, "X-Ratelimit-Reset": str(reset)}

P = {i: post(i, "login gagal %d" % i, "sudah coba reset password %d" % i) for i in range(1, 12)}
P[2] = post(2, "cannot login since the update", "[removed]", removed_by_category="moderator")
P[3] = post(3, "Login broken? \u00e9\u00e8 & <b>", "steps:\n1. open app\n2. login \U0001F621",
            author="[deleted]")
P[4] = post(4, "Acme is great", "no problems here")

ok = lambda *c, **k: {"status": 200, "headers": rl(*k.get("rl", (1, 590, 300))), "body": listing(*c)}
new = [
    ok(P[1], P[2], P[3]),
    ok(P[2], P[3], P[4], P[5]),                       # overlaps the first page
    {"status": 429, "headers": {"Retry-After": "2", "Content-Type": "application/json"},
     "body": json.dumps({"message": "Too Many Requests", "error": 429})},
    {"status": 200, "headers": rl(4, 580, 300), "body": listing(P[5], P[6])[:40]},   # cut short
    ok(P[4], P[5], P[6], rl=(600, 0, 2)),             # the window is used up: wait 2s
    {"revoke": True},                                 # the token was revoked: 401
    ok(P[5], P[6], P[7]),
    {"status": 429, "headers": rl(600, 0, 2), "body": json.dumps({"message": "Too Many Requests"})},
    {"status": 503, "body": "<html>upstream busy</html>"},
    {"status": 503, "body": "<html>upstream busy</html>"},
    ok(P[6], P[7]),
]
comments = [
    {"status": 200, "headers": rl(1, 599, 500),
     "body": listing(comment(1, "login error terus"), comment(2, "[deleted]", author="[deleted]"),
                     comment(3, "[removed]"), comment(4, "still cannot login"))},
]
search = [{"status": 200, "headers": rl(1, 599, 500),
           "body": listing(post(9, "acme login down?", subreddit="sysadmin",
                                permalink="/r/sysadmin/comments/1h009z/acme/"))}]
# a gap longer than a page: 2g001..003 taken, then 110 new ones; 2g004..013 are on page 2
G = lambda i: post(i, "login gagal g%d" % i if i in (2, 5, 10, 100, 114) else "hello %d" % i,
                   name="t3_2g%03dz" % i, id="2g%03dz" % i)
gap = [{"status": 200, "headers": rl(1, 590, 300), "body": listing(*[G(i) for i in range(1, 4)])},
       {"status": 200, "headers": rl(2, 589, 300), "body": listing(*[G(i) for i in range(14, 114)])},
       {"status": 200, "headers": rl(3, 588, 300), "body": listing(*[G(i) for i in range(1, 14)])},
       {"status": 200, "headers": rl(4, 587, 300), "body": listing(*[G(i) for i in range(15, 115)])}]
denied = [{"status": 401, "body": json.dumps({"message": "Unauthorized", "error": 401})}]
busy = [{"status": 429, "headers": {"Retry-After": "1"}, "body": "{\"message\": \"Too Many Requests\"}"}]
if phase == "restart":
    new = [ok(*[P[i] for i in range(1, 9)])]
    comments = [comments[0]]
s = {"clients": {"acmeapp": "s3cr3t-app", "scriptapp": "s3cr3t-script"},
     "expires_in": {"scriptapp": 3},
     "users": {"acme_support": "hunter2 &x"},
     "paths": {"/r/AcmeSupport+acme/new.json": new, "/r/acme/comments.json": comments,
               "/search.json": search, "/busy/r/acme/new.json": busy,
               "/denied/r/acme/new.json": denied, "/gap/r/acme/new.json": gap}}
json.dump(s, open(sys.argv[1] + ".tmp", "w"))
PY
script() { python3 "$TMPD/script.py" "$TMPD/script.json" "$1" && mv "$TMPD/script.json.tmp" "$TMPD/script.json"; }
script first
start_peer srv reddit_server.py --script "$TMPD/script.json"
SP=$srv_port
printf 's3cr3t-app\n' >"$TMPD/reddit.secret"
printf 's3cr3t-script\n' >"$TMPD/script.secret"
printf 'hunter2 &x\n' >"$TMPD/reddit.password"
printf 'wrong\n' >"$TMPD/wrong.secret"

write_conf "$TMPD/c.yaml" <<Y
health_receivers: [ops]
sources:
  - name: rnew
    type: reddit
    subreddits: [AcmeSupport, r/acme]
    client_id: acmeapp
    client_secret_file: reddit.secret
    user_agent: "linux:acme-triage:1.0 (by /u/acme_support)"
    url: http://127.0.0.1:$SP
    token_url: http://127.0.0.1:$SP/api/v1/access_token
    interval: 1s
  - name: rcom
    type: reddit
    listing: comments
    subreddits: [acme]
    client_id: acmeapp
    client_secret_file: reddit.secret
    url: http://127.0.0.1:$SP/
    token_url: http://127.0.0.1:$SP/api/v1/access_token
    interval: 1s
  - name: rsearch
    type: reddit
    query: '"acme" login'
    client_id: scriptapp
    client_secret_file: script.secret
    username: acme_support
    password_file: reddit.password
    url: http://127.0.0.1:$SP
    token_url: http://127.0.0.1:$SP/api/v1/access_token
    interval: 1s
  - name: rbad
    type: reddit
    subreddits: [acme]
    client_id: acmeapp
    client_secret_file: wrong.secret
    url: http://127.0.0.1:$SP
    token_url: http://127.0.0.1:$SP/api/v1/access_token
    alert_after: 2s
  - name: rbusy
    type: reddit
    subreddits: [acme]
    client_id: acmeapp
    client_secret_file: reddit.secret
    url: http://127.0.0.1:$SP/busy
    token_url: http://127.0.0.1:$SP/api/v1/access_token
    interval: 1s
    alert_after: 4s
  - name: rgap
    type: reddit
    subreddits: [acme]
    client_id: acmeapp
    client_secret_file: reddit.secret
    url: http://127.0.0.1:$SP/gap
    token_url: http://127.0.0.1:$SP/api/v1/access_token
    interval: 1s
  - name: rdenied
    type: reddit
    subreddits: [acme]
    client_id: acmeapp
    client_secret_file: reddit.secret
    url: http://127.0.0.1:$SP/denied
    token_url: http://127.0.0.1:$SP/api/v1/access_token
    interval: 1s
$(conf_alert_each hook /h ops /o)
Y
"$KELUHD" --check -c "$TMPD/c.yaml" >"$TMPD/check.out" 2>&1
is "--check accepts reddit sources" "$?" 0
start_keluhd "$TMPD/c.yaml"
is "keluhd starts" "$?" 0

# "id<TAB>text<TAB>handle<TAB>url<TAB>created_at<TAB>lang" per mention the sink got
mentions() {
	python3 - "$hook_log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    for m in json.loads(json.loads(line)["body"])["alert"]["mentions"]:
        a = m.get("author") or {}
        print("\t".join(str(x) for x in (m["id"], json.dumps(m["text"], ensure_ascii=False),
              a.get("handle"), m.get("url"), m.get("created_at"), m.get("lang"))))
PY
}
ids() { mentions | cut -f1 | sort | tr '\n' ' '; }
R=reddit:t3_1h
G=reddit:t3_2g
want="reddit:t1_k001 reddit:t1_k004 ${R}001z ${R}002z ${R}003z ${R}005z ${R}006z ${R}007z ${R}009z ${G}002z ${G}005z ${G}010z ${G}100z ${G}114z "
# the whole script: 11 answers over about 15 s (three 2 s waits, two backoffs)
ids_are() { [ "$(ids)" = "$1" ]; }
wait_for 40 ids_are "$want"
is "every complaint in the listings became an alert" "$(ids)" "$want"
is "... exactly once" "$(mentions | cut -f1 | sort | uniq -d | wc -l | tr -d ' ')" 0

mentions >"$TMPD/m.out"
contains "a post: title and selftext, author, www.reddit.com permalink, created_utc" "$TMPD/m.out" \
	"${R}001z	\"login gagal 1\\n\\nsudah coba reset password 1\"	user1	https://www.reddit.com/r/AcmeSupport/comments/1h001z/post_1/	2026-11-18T11:07:40Z	None"
contains "a removed body leaves the title" "$TMPD/m.out" "${R}002z	\"cannot login since the update\"	user2"
contains "raw text (no HTML entities), emoji; a [deleted] author has no handle" "$TMPD/m.out" \
	"${R}003z	\"Login broken? éè & <b>\\n\\nsteps:\\n1. open app\\n2. login 😡\"	None"
contains "a comment: its body and its own permalink" "$TMPD/m.out" \
	"reddit:t1_k001	\"login error terus\"	c1	https://www.reddit.com/r/acme/comments/1h001z/post_1/k001/"
contains "search finds posts in other subreddits" "$TMPD/m.out" "${R}009z	\"acme login down?"

wait_for 40 sh -c "grep -c '\"path\": \"/r/AcmeSupport+acme/new.json\"' '$TMPD/srv.log' | awk '{exit !(\$1 >= 11)}'"
python3 - "$TMPD/srv.log" >"$TMPD/reqs.out" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
n = [x for x in r if x["path"] == "/r/AcmeSupport+acme/new.json"]
tok = [x for x in r if x["path"] == "/api/v1/access_token"]
print("query", n[0]["query"])
print("ua", n[0]["headers"].get("user-agent"))
ua = n[0]["headers"].get("user-agent")
mine = [x for x in tok if x["headers"].get("user-agent") == ua]
print("first", n[0]["token"] == mine[0].get("issued"), n[0]["token_ok"])
print("answers", " ".join("%s:%s" % (x.get("answer"), x["status"]) for x in n))
g = lambda i: n[i + 1]["t"] - n[i]["t"]
ok = lambda v, lo, hi: "ok" if lo <= v < hi else "bad %.2f" % v
print("spread", ok(g(0), 0.9, 1.8))
print("retry-after", ok(g(2), 2.0, 3.5))
print("used-up", ok(g(4), 2.0, 3.5))
print("reset-429", ok(g(7), 2.0, 3.5))
# 5xx: full jitter from reconnect (1s) doubling, never sooner than interval (1s)
print("5xx", ok(g(8), 0.95, 4.5), ok(g(9), 0.95, 8.5))
# the revoked token: one token request between the 401 and the next poll, which used it
t401, tnext = n[5]["t"], n[6]["t"]
mid = [x for x in mine if t401 <= x["t"] <= tnext]
print("refresh", len(mid), mid[0].get("issued") == n[6]["token"] if mid else None, n[6]["status"],
      ok(tnext - t401, 0.0, 1.0))
# token requests: Basic auth checked, grants
rn = [x for x in tok if x.get("client") == "acmeapp" and x.get("client_ok")]
print("grant", sorted(set(x["form"].get("grant_type") for x in rn)))
s = [x for x in r if x["path"] == "/search.json"]
st = [x for x in tok if x.get("client") == "scriptapp"]
print("search", s[0]["query"], s[0]["token_ok"])
print("script", st[0]["form"].get("grant_type"), st[0]["form"].get("username"), st[0]["password_ok"])
print("sua", s[0]["headers"].get("user-agent"))
gp = [x for x in r if x["path"] == "/gap/r/acme/new.json"]
print("gap", " ".join(x["query"].replace("limit=100&raw_json=1", "") or "-" for x in gp[:4]),
      ok(gp[2]["t"] - gp[1]["t"], 0, 0.9))
# refused with a fresh token too: one new token, then the long credential backoff
dn = [x for x in r if x["path"] == "/denied/r/acme/new.json"]
dt = [x for x in tok if x["headers"].get("user-agent") == dn[0]["headers"].get("user-agent")]
print("denied", len(dn), len(dt), dn[0]["token"] != dn[1]["token"], dn[1]["token"] == dt[1].get("issued"))
# a token that lives 3s is renewed (at half its life) before it runs out: no 401 for it
t_revoke = n[5]["t"]
early = [x for x in s if x["t"] < t_revoke]
print("renew", len([x for x in st if x["t"] < t_revoke]) >= 2, all(x["status"] == 200 for x in early),
      len(set(x["token"] for x in early)) >= 2)
PY
contains "the listing: the subreddits joined with +, a page of 100, raw JSON text" "$TMPD/reqs.out" \
	"query limit=100&raw_json=1"
contains "the user_agent goes with every request" "$TMPD/reqs.out" "ua linux:acme-triage:1.0 (by /u/acme_support)"
contains "the first poll carries the token just issued" "$TMPD/reqs.out" "first True True"
contains "the script played in order" "$TMPD/reqs.out" \
	"answers 0:200 1:200 2:429 3:200 4:200 5:401 6:200 7:429 8:503 9:503 10:200"
contains "polls every interval while plenty of requests are left" "$TMPD/reqs.out" "spread ok"
contains "429 with Retry-After: 2 waits 2 s, not less" "$TMPD/reqs.out" "retry-after ok"
contains "X-Ratelimit-Remaining 0 waits X-Ratelimit-Reset (2 s)" "$TMPD/reqs.out" "used-up ok"
contains "429 without Retry-After waits X-Ratelimit-Reset" "$TMPD/reqs.out" "reset-429 ok"
contains "503s back off, not sooner than interval" "$TMPD/reqs.out" "5xx ok ok"
contains "a short-lived token is renewed before it expires, without a 401" "$TMPD/reqs.out" \
	"renew True True True"
contains "a revoked token: one new token, and the poll again at once with it" "$TMPD/reqs.out" \
	"refresh 1 True 200 ok"
contains "app-only tokens use client_credentials" "$TMPD/reqs.out" "grant ['client_credentials']"
contains "search without subreddits: q escaped, sorted by new" "$TMPD/reqs.out" \
	"search q=%22acme%22%20login&sort=new&type=link&limit=100&raw_json=1 True"
contains "401 with a new token too: one new token, then the credential backoff" "$TMPD/reqs.out" \
	"denied 2 2 True True"
contains "... logged as an error" "$klog" "source rdenied: the API refuses a new token too"
contains "a gap longer than a page: the page before it is asked for at once with after=" \
	"$TMPD/reqs.out" "gap - - &after=t3_2g014z - ok"
contains "a script app signs in with the password grant" "$TMPD/reqs.out" "script password acme_support True"
contains "the default User-Agent names keluh, its version and the user" "$TMPD/reqs.out" \
	"sua linux:keluh:$(sed -n 's/^PACKAGE_VERSION = //p' "$top_builddir/Makefile") (by /u/acme_support)"

curl -s "$URL/metrics" >"$TMPD/metrics"
contains "the cut-short answer is counted as bad JSON" "$TMPD/metrics" \
	'keluh_source_errors_total{source="rnew",kind="json"} 1'
contains "deleted and removed comments are skipped and counted" "$TMPD/metrics" \
	'keluh_source_skipped_total{source="rcom",kind="deleted"} 2'
contains "the rate limit left is a metric" "$TMPD/metrics" 'keluh_source_ratelimit_remaining{source="rcom"} 599'
contains "429s are counted" "$TMPD/metrics" 'keluh_source_errors_total{source="rnew",kind="rate_limited"} 2'
contains "the bad JSON is logged and skipped" "$klog" "source rnew: the answer is not JSON"
contains "the used-up window is logged" "$klog" "source rnew: the rate limit is used up (600 requests); waiting 2s"
contains "a 503 is logged" "$klog" "source rnew: HTTP 503: <html>upstream busy</html>; trying again in"
contains "reading back through a gap is logged" "$klog" "source rgap: read 2 pages back to the last item taken"
contains "the refused token is logged" "$klog" "source rnew: the access token was refused; fetching a new one"
contains "refused app credentials are logged" "$klog" "source rbad: Reddit refused the app's credentials (HTTP 401)"
lacks "secrets never reach the log" "$klog" "s3cr3t"
lacks "... nor the password" "$klog" "hunter2"
lacks "... nor tokens" "$klog" "tok-"

# health: refused credentials (failing) and a lasting 429 (throttled), one alert each
health() {
	python3 - "$ops_log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    a = json.loads(json.loads(line)["body"])["alert"]
    print(a["health"]["source"], a["health"]["state"], a["health"]["detail"])
PY
}
wait_until 20 'test "$(health | wc -l)" -ge 2'
# nothing else: both watches look three more times, and still two notes
looks() { metric_value "keluh_source_health_checks_total{source=\"$1\"}"; }
notes() { curl -s "$URL/metrics" | awk '/^keluh_source_health_alerts_total\{/ { n += $NF } END { print n + 0 }'; }
c1=$(looks rbad)
c2=$(looks rbusy)
wait_until 10 'test "$(looks rbad)" -ge $((c1 + 3)) && test "$(looks rbusy)" -ge $((c2 + 3))'
is "health: the watches went on looking" "$?" 0
is "health: two notes raised, no more" "$(notes)" 2
health | sort >"$TMPD/health.out"
is "health: rbad failing and rbusy throttled, nothing else" "$(cut -d' ' -f1-2 "$TMPD/health.out" | tr '\n' ' ')" \
	"rbad failing rbusy throttled "
contains "health: the failing detail names the HTTP status" "$TMPD/health.out" "the server answers HTTP 401"
is "refused credentials are not asked again at once" \
	"$(grep -c '"client": "acmeapp", "client_ok": false' "$TMPD/srv.log")" 1
stop_keluhd
if command -v sqlite3 >/dev/null 2>&1; then
	is "the newest fullname is the cursor in the spool" \
		"$(sqlite3 "$TMPD/c.db" "select value from cursors where source='rnew'" 2>&1)" t3_1h007z
else
	skip "the newest fullname is the cursor in the spool" "sqlite3 is not installed"
fi

# the restart: the listings still hold everything, and one new post each
script restart
n0=$(wc -l <"$hook_log")
l0=$(wc -l <"$TMPD/srv.log")
# polled_twice: every listing was asked twice since the restart; a poll goes
# out only when the answer before it was taken in full
polled_twice() {
	for p in /r/AcmeSupport+acme/new.json /r/acme/comments.json /search.json /gap/r/acme/new.json; do
		[ "$(tail -n +$((l0 + 1)) "$TMPD/srv.log" | grep -c "\"path\": \"$p\"")" -ge 2 ] || return 1
	done
}
start_keluhd "$TMPD/c.yaml" "$TMPD/keluhd2.log"
contains "the restart resumes from the stored cursor" "$TMPD/keluhd2.log" "source rnew: resuming after t3_1h007z"
wait_for 15 grep -q "${R}008z" "$hook_log"
wait_for 15 polled_twice
is "every listing was read again after the restart" "$?" 0
is "after the restart one complaint alert was made (counted)" \
	"$(metric_value 'keluh_alerts_total{priority="normal"}')" 1
is "after the restart only the new post alerts" "$(tail -n +$((n0 + 1)) "$hook_log" | grep -o 'reddit:t[13]_[a-z0-9]*' | sort -u | tr '\n' ' ')" \
	"${R}008z "
is "no complaint alerted twice" "$(mentions | cut -f1 | sort | uniq -d | wc -l | tr -d ' ')" 0
stop_keluhd

# config errors: file:line:col with how to fix them
cat >"$TMPD/bad.yaml" <<Y
sources:
  - name: a
    type: reddit
    subreddits: [acme, "r/no such"]
    listing: serach
    client_secret_file: reddit.secret
  - name: b
    type: reddit
    listing: search
    client_id: acmeapp
    client_secret_file: reddit.secret
    username: acme_support
    token_file: x.token
  - name: c
    type: reddit
    query: acme
    listing: new
    client_id: "acme app"
    client_secret_file: missing.secret
    user_agent: curl
Y
"$KELUHD" --check -c "$TMPD/bad.yaml" >"$TMPD/bad.out" 2>&1
is "--check rejects bad reddit settings" "$?" 1
contains "a bad subreddit name" "$TMPD/bad.out" "bad.yaml:4:24: error: subreddits: 'no such' is not a subreddit name"
contains "unknown listing, with a suggestion" "$TMPD/bad.out" "bad.yaml:5:14: error: unknown Reddit listing 'serach'; did you mean 'search'?"
contains "client_id is required" "$TMPD/bad.out" "bad.yaml:2:5: error: source 'a' of type reddit needs client_id"
contains "search needs a query" "$TMPD/bad.out" "bad.yaml:9:14: error: listing search needs query"
contains "username needs password_file" "$TMPD/bad.out" "username and password_file go together"
contains "reddit takes no token_file" "$TMPD/bad.out" "reddit sources take no 'token_file'"
contains "query is for search" "$TMPD/bad.out" "query is for listing: search"
contains "new needs subreddits" "$TMPD/bad.out" "listing new needs subreddits"
contains "a bad client_id" "$TMPD/bad.out" "client_id: 'acme app' is not a Reddit app id"
contains "an unreadable secret file" "$TMPD/bad.out" "cannot read client_secret_file from"
contains "a generic user_agent" "$TMPD/bad.out" "user_agent must be one descriptive line"

done_testing
