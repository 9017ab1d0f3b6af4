#!/bin/sh
# google-play and app-store sources against a local stand-in for both APIs
# (tests/fake_reviews.py, 127.0.0.1 only), with keys made here: the Google
# token endpoint verifies keluh's RS256 assertion with the service
# account's public key and issues tokens that live 3 s; the App Store API
# verifies each ES256 token with the .p8 key's public key (kid, aud, exp
# at most 20 minutes on). Reviews become mentions with rating, app version,
# device and language; pages are followed; a revoked token is replaced at
# once; a key the platform refuses raises token_invalid; a restart resumes
# from the cursor without repeats; a week without polling raises gap.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

if ! python3 -c 'import cryptography' 2>/dev/null; then
	skip "review sources against the fake APIs" "python3-cryptography is not installed"
	done_testing
	exit 0
fi
if ! command -v openssl >/dev/null 2>&1; then
	skip "review sources against the fake APIs" "openssl is not installed"
	done_testing
	exit 0
fi

start_sink hook
start_sink ops
write_login_rules

# keys made for this test only
cd "$TMPD" || exit 1
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.pem 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out other.pem 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out AuthKey_2X9R4HXF34.p8 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other.p8 2>/dev/null
openssl pkey -in AuthKey_2X9R4HXF34.p8 -pubout -out apple.pub 2>/dev/null
chmod 600 ./*.pem ./*.p8
cd - >/dev/null || exit 1
ISS=57246542-96fe-1a63-e053-0824d011072a
# sa.py KEY OUT [TOKEN_URI]: a service account's JSON key file as Google Cloud makes it
sa() {
	python3 - "$@" <<'PY'
import json, sys
key, out = sys.argv[1], sys.argv[2]
uri = sys.argv[3] if len(sys.argv) > 3 else "http://127.0.0.1:1/token"
json.dump({"type": "service_account", "project_id": "acme-play", "private_key_id": "3f1c0e",
           "private_key": open(key).read(), "client_email": "keluh@acme-play.iam.gserviceaccount.com",
           "client_id": "1045", "auth_uri": "https://accounts.google.com/o/oauth2/auth",
           "token_uri": uri}, open(out, "w"), indent=2)
PY
	chmod 600 "$2"
}
sa "$TMPD/sa.pem" "$TMPD/sa.json"

# data.py PHASE: the reviews both APIs hold in this phase
cat >"$TMPD/data.py" <<'PY'
import json, sys, time
phase = sys.argv[2]
# one clock for every phase: a review keeps its time across a restart
try:
    now = float(open(sys.argv[1] + ".t0").read())
except OSError:
    now = time.time()
    open(sys.argv[1] + ".t0", "w").write(repr(now))
def gp(rid, text, stars, ago, ver="4.2.0", dev=None, prod=None, lang="id", reply=None, author="Budi"):
    uc = {"text": text, "lastModified": {"seconds": str(int(now - ago)), "nanos": 120000000},
          "starRating": stars, "reviewerLanguage": lang, "androidOsVersion": 33,
          "appVersionCode": 420, "appVersionName": ver, "thumbsUpCount": 0, "thumbsDownCount": 0}
    if dev:
        uc["device"] = dev
    if prod:
        uc["deviceMetadata"] = {"productName": prod, "manufacturer": "Samsung", "ramMb": 4096}
    c = [{"userComment": uc}]
    if reply:
        c.append({"developerComment": {"text": reply, "lastModified": {"seconds": str(int(now - ago + 30)), "nanos": 0}}})
    r = {"reviewId": rid, "authorName": author, "comments": c}
    if rid is None:
        del r["reviewId"]
    return r
def iso(ago):
    return time.strftime("%Y-%m-%dT%H:%M:%S+07:00", time.gmtime(now - ago + 7 * 3600))
def ar(rid, title, body, stars, ago, nick="sari", terr="IDN"):
    return {"type": "customerReviews", "id": rid,
            "attributes": {"rating": stars, "title": title, "body": body, "reviewerNickname": nick,
                           "createdDate": iso(ago), "territory": terr},
            "relationships": {"response": {"links": {"self": "x", "related": "y"}}},
            "links": {"self": "https://api.appstoreconnect.apple.com/v1/customerReviews/" + rid}}
app = [gp("gp-r5", "Login gagal terus setelah update", 1, 600, prod="Galaxy A52", dev="a52q"),
       gp("gp-r4", "Aplikasi bagus, cepat", 5, 700),
       gp("gp-r3", "cannot login since 4.1", 2, 800, ver="4.1.0", dev="a52q", lang="en",
          reply="Maaf! Sudah diperbaiki di 4.2", author="Andi"),
       gp(None, "login without an id", 1, 900),
       gp("gp-r1", "login error lagi", 1, 1000)]
lite = [gp("gp-l1", "\tlogin lambat sekali", 2, 650, ver="1.0.3")]
apps = [ar("00000028-a1", "Can't login", "Login fails since the update", 1, 500),
        ar("00000028-a2", "Love it", "Works great", 5, 550),
        ar("00000028-a3", "Login ok", "", 3, 560, nick="", terr="USA"),
        ar("00000028-a0", "login old", "a review from last month", 1, 30 * 86400)]
if phase == "restart":
    app.insert(0, gp("gp-r6", "login masih gagal", 1, 5))
    apps.append(ar("00000028-a4", "login stuck", "spinner forever", 2, 5))
d = {"google": {"expires_in": 3, "page_size": 2, "revoke_at": [] if phase == "restart" else [8],
                "packages": {"com.acme.app": app, "com.acme.lite": lite}},
     "apple": {"page_size": 2, "apps": {"682658836": apps}}}
json.dump(d, open(sys.argv[1] + ".tmp", "w"))
PY
data() { python3 "$TMPD/data.py" "$TMPD/data.json" "$1" && mv "$TMPD/data.json.tmp" "$TMPD/data.json"; }
data first
start_peer srv fake_reviews.py --data "$TMPD/data.json" --google-sa "$TMPD/sa.json" \
	--apple-key "$TMPD/apple.pub" --apple-kid 2X9R4HXF34 --apple-issuer $ISS
SP=$srv_port
sa "$TMPD/sa.pem" "$TMPD/sa.json" "http://127.0.0.1:$SP/token"
sa "$TMPD/other.pem" "$TMPD/sa-other.json" "http://127.0.0.1:$SP/token"

write_conf "$TMPD/c.yaml" <<Y
health_receivers: [ops]
sources:
  - name: gp
    type: google-play
    service_account_file: sa.json
    packages: [com.acme.app, com.acme.lite]
    api_url: http://127.0.0.1:$SP
    every: 1s
  - name: as
    type: app-store
    key_file: AuthKey_2X9R4HXF34.p8
    key_id: 2X9R4HXF34
    issuer_id: $ISS
    app_id: "682658836"
    api_url: http://127.0.0.1:$SP/
    every: 1s
  - name: gpbad
    type: google-play
    service_account_file: sa-other.json
    package: com.acme.app
    api_url: http://127.0.0.1:$SP
  - name: asbad
    type: app-store
    key_file: other.p8
    key_id: 2X9R4HXF34
    issuer_id: $ISS
    app_id: "682658836"
    api_url: http://127.0.0.1:$SP
$(conf_alert_each hook /h ops /o)
Y
"$KELUHD" --check -c "$TMPD/c.yaml" >"$TMPD/check.out" 2>&1
is "--check accepts google-play and app-store sources" "$?" 0
start_keluhd "$TMPD/c.yaml"
is "keluhd starts" "$?" 0

# "id<TAB>text<TAB>rating<TAB>app_version<TAB>device<TAB>lang<TAB>author<TAB>account" per mention
mentions() {
	python3 - "$hook_log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    for m in json.loads(json.loads(line)["body"])["alert"]["mentions"]:
        a = m.get("author") or {}
        print("\t".join(str(x) for x in (m["id"], json.dumps(m["text"], ensure_ascii=False),
              m.get("rating"), m.get("app_version"), m.get("device"), m.get("lang"),
              a.get("name"), m.get("account"))))
PY
}
ids() { mentions | cut -f1 | sort | tr '\n' ' '; }
want="app-store:00000028-a1 app-store:00000028-a3 google-play:gp-l1 google-play:gp-r1 google-play:gp-r3 google-play:gp-r5 "
wait_until 30 'test "$(ids)" = "$want"'
is "every review that complains became an alert (both apps, both stores, every page)" "$(ids)" "$want"
mentions >"$TMPD/m.out"
contains "a 1-star Play review: rating, app version, device (product name), language, author, account" \
	"$TMPD/m.out" "google-play:gp-r5	\"Login gagal terus setelah update\"	1	4.2.0	Galaxy A52	id	Budi	google-play:com.acme.app"
contains "the device's codename when Play gives no product name" "$TMPD/m.out" \
	"google-play:gp-r3	\"cannot login since 4.1\"	2	4.1.0	a52q	en	Andi	google-play:com.acme.app"
contains "the second package's review names its own app" "$TMPD/m.out" \
	"google-play:gp-l1	\"\\tlogin lambat sekali\"	2	1.0.3	None	id	Budi	google-play:com.acme.lite"
contains "an App Store review: title and body, rating, nickname, account; no version or device" \
	"$TMPD/m.out" "app-store:00000028-a1	\"Can't login\\n\\nLogin fails since the update\"	1	None	None	None	sari	app-store:682658836"
contains "a title alone, no nickname" "$TMPD/m.out" "app-store:00000028-a3	\"Login ok\"	3	None	None	None	None	app-store:682658836"
is "no review alerted twice" "$(mentions | cut -f1 | sort | uniq -d | wc -l | tr -d ' ')" 0
lacks "a review older than a week is not read on a first start" "$TMPD/m.out" "00000028-a0"
contains "the developer's answer is the brand replying" "$klog" \
	"source gp: public reply to google-play:gp-r3 by google-play:com.acme.app"

# the requests the fake saw
# four tokens issued: the first, the one after the revoked one, and two renewals
wait_until 30 'test "$(grep -c "\"issued\": " "$TMPD/srv.log")" -ge 4'
python3 - "$TMPD/srv.log" >"$TMPD/reqs.out" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
tok = [x for x in r if x.get("kind") == "token"]
good = [x for x in tok if x["status"] == 200]
gp = [x for x in r if x.get("kind") == "gp" and x.get("token") is not None]
issued = [x["issued"] for x in good]
mine = [x for x in gp if x["token"] in issued or x.get("revoked")]
print("claims", sorted(good[0]["jwt_claims"]), good[0]["jwt_claims"]["scope"],
      good[0]["jwt_claims"]["exp"] - good[0]["jwt_claims"]["iat"], good[0]["jwt_header"])
print("grant", good[0]["grant_type"])
print("pages", any("token=2" in x["query"] for x in gp), any("token=4" in x["query"] for x in gp))
print("query", gp[0]["query"])
print("tokens", len(set(x["token"] for x in mine if x["status"] == 200)) >= 3)
print("expired", len([x for x in gp if x.get("why") == "expired"]))
rv = [i for i, x in enumerate(r) if x.get("revoked")]
if rv:
    after = r[rv[0] + 1:]
    nt = [x for x in after if x.get("kind") == "token" and x["status"] == 200]
    ng = [x for x in after if x.get("kind") == "gp" and x.get("token") in issued]
    print("revoked", r[rv[0]]["status"], nt[0]["t"] < ng[0]["t"], ng[0]["token"] == nt[0]["issued"],
          ng[0]["status"], "%.1f" % (ng[0]["t"] - r[rv[0]]["t"]) if ng else None)
bad = [x for x in tok if x["status"] == 400]
print("refused", bad[0]["why"] if bad else None)
a = [x for x in r if x.get("kind") == "as"]
ok = [x for x in a if x["status"] == 200]
print("apple", ok[0]["jwt_header"], sorted(ok[0]["jwt_claims"]), ok[0]["jwt_claims"]["aud"],
      ok[0]["jwt_claims"]["exp"] - ok[0]["jwt_claims"]["iat"] <= 1200, ok[0]["query"])
print("apple pages", any("cursor=2" in x["query"] for x in ok))
print("apple refused", sorted(set(x.get("why") for x in a if x["status"] == 401)))
PY
contains "the assertion: iss, scope, aud, iat and exp an hour on, RS256 with typ JWT" "$TMPD/reqs.out" \
	"claims ['aud', 'exp', 'iat', 'iss', 'scope'] https://www.googleapis.com/auth/androidpublisher 3600 {'alg': 'RS256', 'typ': 'JWT'}"
contains "... posted as a jwt-bearer grant" "$TMPD/reqs.out" "grant urn:ietf:params:oauth:grant-type:jwt-bearer"
contains "reviews.list asks for 100 a page" "$TMPD/reqs.out" "query maxResults=100"
contains "the pages are followed by nextPageToken" "$TMPD/reqs.out" "pages True True"
contains "tokens that live 3 s are renewed, and polling goes on with the new ones" "$TMPD/reqs.out" "tokens True"
contains "... before they expire: no request with an expired token" "$TMPD/reqs.out" "expired 0"
contains "a revoked token: a new one at once, and the poll again with it" "$TMPD/reqs.out" "revoked 401 True True 200"
contains "the fake refuses a JWT signed with another key" "$TMPD/reqs.out" "refused signature"
contains "the App Store token: ES256 with kid and typ; iss, iat, exp within 20 minutes, aud" "$TMPD/reqs.out" \
	"apple {'alg': 'ES256', 'typ': 'JWT', 'kid': '2X9R4HXF34'} ['aud', 'exp', 'iat', 'iss'] appstoreconnect-v1 True sort=-createdDate&limit=200"
contains "App Store pages are followed by links.next" "$TMPD/reqs.out" "apple pages True"
contains "the fake refuses the token signed with another .p8 key" "$TMPD/reqs.out" "apple refused ['signature']"

curl -s "$URL/metrics" >"$TMPD/metrics"
contains "a review without a reviewId is counted" "$TMPD/metrics" \
	'keluh_source_errors_total{source="gp",kind="mapping"} 1'
contains "... and logged" "$klog" "source gp: com.acme.app: a review without a reviewId; skipped"
contains "the revoked token is logged" "$klog" "source gp: the API refused the token (HTTP 401); making a new one"
contains "a refused key is logged as an error" "$klog" \
	"source gpbad: Google refuses the service account's key (HTTP 400, invalid_grant)"
lacks "private keys never reach the log" "$klog" "PRIVATE KEY"
lacks "... nor access tokens" "$klog" "ya29."

# token_invalid: one operational alert for each source whose key is refused
warns() {
	python3 - "$ops_log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    a = json.loads(json.loads(line)["body"])["alert"]
    print(a["health"]["source"], a["health"]["state"], a["health"]["detail"])
PY
}
wait_until 20 'test "$(warns | grep -c token_invalid)" -ge 2'
warns | sort >"$TMPD/warns.out"
contains "token_invalid for the service account Google refuses" "$TMPD/warns.out" \
	"gpbad token_invalid Google refuses the service account's key (HTTP 400, invalid_grant)"
contains "token_invalid for the .p8 key Apple refuses twice" "$TMPD/warns.out" \
	"asbad token_invalid the API refuses a freshly made token (HTTP 401)"
lacks "the good sources raise nothing" "$TMPD/warns.out" "gp token_invalid"
stop_keluhd

# the restart: the same reviews and one new one each
data restart
n0=$(wc -l <"$hook_log")
start_keluhd "$TMPD/c.yaml" "$TMPD/keluhd2.log"
contains "the restart resumes from the cursor" "$TMPD/keluhd2.log" "source gp: com.acme.app: resuming after the review of"
tail_ids() { tail -n +$((n0 + 1)) "$hook_log" >"$TMPD/hook2.log"; alert_ids "$TMPD/hook2.log" | sort | tr '\n' ' '; }
wait_until 20 'tail_ids | grep -q gp-r6 && tail_ids | grep -q 00000028-a4'
l0=$(wc -l <"$TMPD/srv.log")
# two more whole polls of each app: anything repeated would be there by now
polls() { tail -n +$((l0 + 1)) "$TMPD/srv.log" | grep "$1" | grep -c '"status": 200'; }
wait_until 20 'test "$(polls "customerReviews\", \"query\": \"sort=-createdDate&limit=200\"")" -ge 2 &&
	test "$(polls "com.acme.lite/reviews\", \"query\": \"maxResults=100\"")" -ge 2'
is "two more polls of every app after the new reviews" "$?" 0
is "after the restart only the new reviews alert, once" "$(tail_ids)" \
	"app-store:00000028-a4 google-play:gp-r6 "
lacks "no gap after a short stop" "$ops_log" '"state": "gap"'
stop_keluhd

# a week and a day without polling: the Play API has forgotten what came in between
python3 - "$TMPD/c.db" <<'PY'
import json, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
v = json.loads(db.execute("select value from cursors where source='gp'").fetchone()[0])
v["polled"] = int((time.time() - 8 * 86400) * 1000)
db.execute("update cursors set value=? where source='gp'", (json.dumps(v),))
db.commit()
PY
start_keluhd "$TMPD/c.yaml" "$TMPD/keluhd3.log"
wait_until 30 'warns | grep -q "^gp gap"'
warns | grep '^gp gap' >"$TMPD/gap.out"
contains "a gap longer than the week Play keeps raises gap" "$TMPD/gap.out" \
	"gp gap keluhd last polled 192.0h ago; the API shows only the last week of reviews, so older ones may have been missed"
lacks "the App Store keeps every review: no gap there" "$TMPD/gap.out" "as gap"
stop_keluhd

# config errors: file:line:col with how to fix them
printf '{\n  "type": "service_account",\n  "private_key": oops\n}\n' >"$TMPD/broken.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); del d["client_email"]; json.dump(d, open(sys.argv[2], "w"))' \
	"$TMPD/sa.json" "$TMPD/noemail.json"
sa "$TMPD/AuthKey_2X9R4HXF34.p8" "$TMPD/sa-ec.json"
chmod 600 "$TMPD/broken.json" "$TMPD/noemail.json"
cat >"$TMPD/bad.yaml" <<Y
sources:
  - name: a
    type: google-play
    service_account_file: missing.json
    package: acme
  - name: b
    type: google-play
    service_account_file: broken.json
    packages: [com.acme.app, 9lives.app]
  - name: c
    type: google-play
    service_account_file: noemail.json
    package: com.acme.app
    translation_language: "en us"
  - name: d
    type: google-play
    service_account_file: sa-ec.json
    package: com.acme.app
    packges: [com.acme.app]
  - name: e
    type: app-store
    key_file: sa.pem
    key_id: 2x9r
    issuer_id: acme
    app_id: abc
  - name: f
    type: app-store
    key_file: AuthKey_2X9R4HXF34.p8
Y
"$KELUHD" --check -c "$TMPD/bad.yaml" >"$TMPD/bad.out" 2>&1
is "--check rejects bad review sources" "$?" 1
contains "an unreadable key file" "$TMPD/bad.out" "bad.yaml:4:27: error: cannot read service_account_file from"
contains "a bad package name" "$TMPD/bad.out" "bad.yaml:5:14: error: 'acme' is not an Android package name"
contains "a key file that is not JSON: its own line and column" "$TMPD/bad.out" \
	"broken.json:3:21: error: the service account key is not a JSON object: invalid token near 'oops'"
contains "a package part starts with a letter" "$TMPD/bad.out" "bad.yaml:9:30: error: '9lives.app' is not an Android package name"
contains "a key file without client_email" "$TMPD/bad.out" "bad.yaml:12:27: error: service_account_file $TMPD/noemail.json has no client_email"
contains "a bad translation_language" "$TMPD/bad.out" "bad.yaml:14:27: error: translation_language: 'en us' is not a language code"
contains "an EC key where Play needs RSA" "$TMPD/bad.out" "private_key: not an RSA key (RS256 needs one)"
contains "a misspelt key, with a suggestion" "$TMPD/bad.out" "did you mean 'packages'?"
contains "an RSA key where the App Store needs P-256" "$TMPD/bad.out" \
	"bad.yaml:22:15: error: key_file $TMPD/sa.pem: not an EC key (ES256 needs one on P-256)"
contains "a bad key_id" "$TMPD/bad.out" "bad.yaml:23:13: error: key_id: '2x9r' is not an App Store Connect key id"
contains "a bad issuer_id" "$TMPD/bad.out" "bad.yaml:24:16: error: issuer_id: 'acme' is not an issuer id"
contains "a bad app id" "$TMPD/bad.out" "bad.yaml:25:13: error: 'abc' is not an Apple ID of an app"
contains "key_id, issuer_id and app_id are needed" "$TMPD/bad.out" "bad.yaml:26:5: error: source 'f' of type app-store needs key_id"
contains "... app_id too" "$TMPD/bad.out" "source 'f' of type app-store needs app_id"

done_testing
