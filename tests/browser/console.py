#!/usr/bin/python3
"""The keluh web console in headless Chromium (tests/daemon_browser.sh).

Runs against a keluhd whose spool the wrapper seeded; prints one line per
check, which the wrapper numbers as TAP:

  PASS description
  FAIL description        (followed by lines of detail)
  SKIP description | reason

Usage: console.py --url URL --token TOKEN --expect FILE --artifacts DIR

Checks are on the DOM and on the charts' data (Chart.getChart), compared
with what was posted and with the same API read with the bearer token. The
browser's log is read after every step: a SEVERE entry (a JS error, a CSP
violation, a failed load) fails the step unless the step expected it.
Screenshots of every page (and of Now on a phone) go to DIR.
"""
import argparse
import base64
import http.cookiejar
import json
import os
import re
import sys
import traceback
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import (NoAlertPresentException, NoSuchElementException,
                                        StaleElementReferenceException, TimeoutException,
                                        WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ap = argparse.ArgumentParser()
ap.add_argument("--url", required=True)
ap.add_argument("--token", required=True)
ap.add_argument("--expect", required=True)
ap.add_argument("--artifacts", required=True)
ap.add_argument("--language", help="only check that the pages speak this display.language")
args = ap.parse_args()
EXPECT = json.load(open(args.expect))
ART = args.artifacts
WAIT = 15

failed = 0


def out(line):
    print(line, flush=True)


def passed(desc):
    out("PASS " + desc)


def fail(desc, detail=""):
    global failed
    failed += 1
    out("FAIL " + desc)
    for line in str(detail).splitlines()[:25]:
        out("  " + (line if len(line) < 400 else line[:400] + "..."))


def skip(desc, reason):
    out("SKIP %s | %s" % (desc, reason))


def check(desc, cond, detail=""):
    if cond:
        passed(desc)
    else:
        fail(desc, detail)
    return cond


# --- the API, as another tool would read it -------------------------------------

def api(path, method="GET", body=None, bearer=True, opener=None, headers=None):
    """(status, JSON or None) of an API request."""
    h = {"Accept": "application/json"}
    if bearer:
        h["Authorization"] = "Bearer " + args.token
    h.update(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    req = urllib.request.Request(args.url + path, data=data, method=method, headers=h)
    try:
        with (opener or urllib.request.build_opener()).open(req, timeout=10) as r:
            raw = r.read()
            return r.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, None


def api_present(path):
    st, _ = api(path)
    return st != 404


# --- the browser ----------------------------------------------------------------

def browser(width=1280, height=900):
    o = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
              "--window-size=%d,%d" % (width, height), "--lang=en-GB",
              "--no-first-run", "--disable-extensions", "--disable-background-networking",
              "--disable-component-update", "--disable-sync"):
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=o)


os.makedirs(ART, exist_ok=True)
LOG = open(os.path.join(ART, "browser.log"), "w")
# API paths this keluhd does not have yet (their checks skip): a page's 404 on them is no error
MISSING = []


def severe(d, allowed=()):
    """The SEVERE entries of the browser's log since the last call, but those allowed."""
    bad = []
    for e in d.get_log("browser"):
        LOG.write(json.dumps(e) + "\n")
        if e.get("level") != "SEVERE":
            continue
        msg = e.get("message", "")
        if any(a in msg for a in allowed):
            continue
        if "status of 404" in msg and any(args.url + m in msg for m in MISSING):
            continue
        bad.append(e.get("message", ""))
    LOG.flush()
    return bad


def wait(d, cond, timeout=WAIT):
    """cond(d) truthy within timeout: its value, else None."""
    try:
        return WebDriverWait(d, timeout, poll_frequency=0.05).until(
            lambda x: cond(x), "not within %ss" % timeout)
    except TimeoutException:
        return None


def js(d, script, *a):
    return d.execute_script(script, *a)


def shot(d, name, whole=True):
    """A PNG of the page, the whole of it (up to 2400 px) unless whole is off."""
    path = os.path.join(ART, name + ".png")
    js(d, "const t = document.getElementById('toast'); if (t) { t.style.transition = 'none'; t.className = 'toast'; }")
    if not whole:
        d.save_screenshot(path)
        return path
    js(d, "window.scrollTo(0, 0)")	# the sticky header at the top of the picture
    m = d.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    png = d.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": m["width"], "height": min(m["height"], 2400), "scale": 1}})
    with open(path, "wb") as f:
        f.write(base64.b64decode(png["data"]))
    return path


def junk(d):
    """Words of a value drawn where a text should be (null, undefined, NaN, [object ...])."""
    return js(d, r"""return (document.getElementById('main').innerText
        .match(/\b(null|undefined|NaN)\b|\[object \w+\]/g) || []);""")


def no_alert(d):
    try:
        a = d.switch_to.alert
        text = a.text
        a.dismiss()
        return "an alert opened: %r" % text
    except NoAlertPresentException:
        return None


def page_ready(d, name):
    """The page is drawn: its root is marked and nothing is loading any more."""
    return js(d, """
        const m = document.getElementById('main');
        return m && m.dataset.page === arguments[0] && m.children.length > 1 &&
               !m.querySelector('.loading');""", name)


def goto(d, name):
    d.get(args.url + "/ui/#" + name)
    return wait(d, lambda x: page_ready(x, name))


def click(d, css):
    """Clicks css once it is there: a live update may draw the list again meanwhile."""
    def attempt(x):
        try:
            x.find_element(By.CSS_SELECTOR, css).click()
            return True
        except (NoSuchElementException, StaleElementReferenceException):
            return False
    if not wait(d, attempt):
        raise AssertionError("nothing to click at " + css)


def text_of(d, css):
    return js(d, "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", css)


# --- the checks -------------------------------------------------------------------

def t_login(d):
    d.get(args.url + "/ui/")
    ok = wait(d, lambda x: x.find_element(By.ID, "login").is_displayed())
    check("without a session the login form shows", ok)
    d.find_element(By.ID, "login-name").send_keys("Ayu")
    d.find_element(By.ID, "login-token").send_keys("not-the-token")
    d.find_element(By.ID, "login-submit").click()
    err = wait(d, lambda x: text_of(x, "#login-error"))
    check("a wrong token is refused with a message", err and "not right" in err, err)
    d.find_element(By.ID, "login-token").clear()
    d.find_element(By.ID, "login-token").send_keys(args.token)
    d.find_element(By.ID, "login-submit").click()
    ok = wait(d, lambda x: x.find_element(By.ID, "shell").is_displayed() and
              text_of(x, "#user") == "Ayu")
    check("login with the token and a name shows the console, with the name", ok,
          text_of(d, "#user"))
    shown = js(d, "return Keluh.fmtTime('2026-12-07T03:00:00Z') + ' / ' + Keluh.session.timezone")
    check("times are shown in display.timezone", shown == "7 Dec, 10:00 / Asia/Jakarta", shown)
    missing = js(d, """const s = Keluh.strings, en = Object.keys(s.en), id = Object.keys(s.id);
        return en.filter(k => !id.includes(k)).concat(id.filter(k => !en.includes(k)));""")
    check("every English word of the pages has its Indonesian", missing == [], missing)
    cookie = d.get_cookie("keluh_session")
    check("the session cookie is HttpOnly and SameSite=Strict",
          cookie and cookie.get("httpOnly") and cookie.get("sameSite") == "Strict", cookie)
    # the failed login and the first look-up before it answer 401: expected
    bad = severe(d, allowed=("/v1/session - Failed to load resource",))
    check("login: no JS error in the browser's log", not bad, "\n".join(bad))
    shot(d, "login-done")


PAGES = [
    ("now", "/v1/cases?state=open"),
    ("trends", "/v1/trends?range=24h&by=team"),
    ("response", "/v1/response-times?days=7"),
    ("rules", "/v1/rules?days=30"),
    ("playground", None),
    ("deliveries", "/v1/deliveries?state=dead"),
]


def t_pages(d, present):
    for name, path in PAGES:
        if not present[name]:
            skip("page %s loads without JS errors" % name, "this keluhd has no %s API yet" % name)
            continue
        ok = goto(d, name)
        err = js(d, "const e = document.querySelector('#main .error'); return e ? e.textContent : null;")
        bad = severe(d)
        check("page %s loads without JS errors or CSP violations" % name,
              ok and not bad and not err, "\n".join(bad) + (err or "") + ("" if ok else "not drawn"))
        j = junk(d)
        check("page %s shows no null, undefined or NaN" % name, not j, j)
        shot(d, name)


def t_trends(d):
    goto(d, "trends")
    st, tr = api("/v1/trends?range=24h&by=team")
    data = wait(d, lambda x: js(x, """
        const c = document.querySelector('.trends-chart canvas');
        const ch = c && Chart.getChart(c);
        return ch ? {labels: ch.data.labels.length,
                     sets: ch.data.datasets.map(s => ({key: s.key, label: s.label, data: s.data}))} : null;"""))
    if not check("Trends draws a Chart.js chart", data, "no chart"):
        return
    sums = {s["key"]: sum(s["data"]) for s in data["sets"]}
    want = EXPECT["teams"]
    check("the chart's stacks count what was posted, per team",
          {k: v for k, v in sums.items() if v} == want, "chart %s, posted %s" % (sums, want))
    api_sets = {s["key"]: s["counts"] for s in tr["series"]} if st == 200 else None
    check("the chart's data equals /v1/trends, bucket by bucket",
          api_sets == {s["key"]: s["data"] for s in data["sets"]} and data["labels"] == len(tr["buckets"]),
          "api %s\nchart %s" % (api_sets, data))
    total = js(d, "return document.querySelector('.summary').textContent")
    check("the summary says how many complaints", total and total.startswith("%d complaints" % sum(want.values())),
          total)

    # a click on the tech bar lists that bucket's mentions
    pos = js(d, """
        const c = document.querySelector('.trends-chart canvas'), ch = Chart.getChart(c);
        const i = ch.data.datasets.findIndex(s => s.key === 'tech');
        const j = ch.data.datasets[i].data.findIndex(n => n > 0);
        const el = ch.getDatasetMeta(i).data[j];
        const r = c.getBoundingClientRect();
        return {x: el.x - r.width / 2, y: (el.y + el.base) / 2 - r.height / 2, n: ch.data.datasets[i].data[j]};""")
    canvas = d.find_element(By.CSS_SELECTOR, ".trends-chart canvas")
    ActionChains(d).move_to_element_with_offset(canvas, int(pos["x"]), int(pos["y"])).click().perform()
    items = wait(d, lambda x: js(x, "return [...document.querySelectorAll('#trends-picked .mention')]"
                                    ".map(e => e.dataset.mention)"))
    check("a click on a bar lists that bucket's mentions of the team",
          items and len(items) == pos["n"] and all(i.startswith("login-") for i in items),
          "listed %s, bar %s" % (items, pos["n"]))
    bad = severe(d)
    check("Trends: no JS error after the click", not bad, "\n".join(bad))
    shot(d, "trends")


def chart_sets(d):
    return js(d, """
        const c = document.querySelector('.trends-chart canvas');
        const ch = c && Chart.getChart(c);
        return ch ? {labels: ch.data.labels.length,
                     sets: ch.data.datasets.map(s => ({key: s.key, data: s.data}))} : null;""")


def t_trends_step(d):
    """The step choice redraws the chart and its table with /v1/trends at that step."""
    goto(d, "trends")
    pressed = js(d, "return document.querySelector('[data-switch=step] [aria-pressed=true]').dataset.value")
    check("Trends: the step shown first is the range's own (5 minutes over 24 h)", pressed == "5m", pressed)
    click(d, "[data-switch=step] button[data-value='1h']")
    st, tr = api("/v1/trends?range=24h&step=1h&by=team")
    data = wait(d, lambda x: (lambda c: c if c and c["labels"] == 24 else None)(chart_sets(x)))
    api_sets = {s["key"]: s["counts"] for s in tr["series"]} if st == 200 else None
    check("choosing per hour redraws the chart with /v1/trends?step=1h, bucket by bucket",
          data and st == 200 and len(tr["buckets"]) == 24 and
          api_sets == {s["key"]: s["data"] for s in data["sets"]}, "api %s\nchart %s" % (api_sets, data))
    click(d, ".numbers-box summary")
    rows = wait(d, lambda x: js(x, """return [...document.querySelectorAll('table.numbers tbody tr')]
        .map(r => [r.dataset.bucket, r.querySelectorAll('td')[2].textContent])"""))
    want_rows = [[b, str(c)] for b, m, c in zip(tr["buckets"], tr["mentions"], tr["complaints"])
                 if m or c] if st == 200 else None
    check("... and its table: the hours with complaints, their counts", rows == want_rows,
          "table %s, api %s" % (rows, want_rows))
    # a click on the tech bar of the hour lists its mentions
    pos = js(d, """
        const c = document.querySelector('.trends-chart canvas'), ch = Chart.getChart(c);
        const i = ch.data.datasets.findIndex(s => s.key === 'tech');
        const j = ch.data.datasets[i].data.findIndex(n => n > 0);
        const el = ch.getDatasetMeta(i).data[j];
        const r = c.getBoundingClientRect();
        return {x: el.x - r.width / 2, y: (el.y + el.base) / 2 - r.height / 2, n: ch.data.datasets[i].data[j]};""")
    canvas = d.find_element(By.CSS_SELECTOR, ".trends-chart canvas")
    ActionChains(d).move_to_element_with_offset(canvas, int(pos["x"]), int(pos["y"])).click().perform()
    items = wait(d, lambda x: js(x, "return [...document.querySelectorAll('#trends-picked .mention')]"
                                    ".map(e => e.dataset.mention)"))
    check("a click on an hour's bar lists that hour's mentions of the team",
          items and len(items) == pos["n"] and all(i.startswith("login-") for i in items),
          "listed %s, bar %s" % (items, pos["n"]))
    # the chosen step stays when the range changes: 30 days of hours
    click(d, "[data-switch=range] button[data-value='30d']")
    st, tr = api("/v1/trends?range=30d&step=1h&by=team")
    data = wait(d, lambda x: (lambda c: c if c and c["labels"] == 720 else None)(chart_sets(x)))
    sums = {s["key"]: sum(s["data"]) for s in data["sets"]} if data else None
    check("30 days keep the hour chosen: the chart has /v1/trends?range=30d&step=1h's numbers",
          data and st == 200 and {s["key"]: s["counts"] for s in tr["series"]} ==
          {s["key"]: s["data"] for s in data["sets"]} and
          {k: v for k, v in sums.items() if v} == EXPECT["teams"], "api %s\nchart %s" % (st, sums))
    click(d, "[data-switch=step] button[data-value='5m']")
    st, tr = api("/v1/trends?range=30d&step=5m&by=team")
    data = wait(d, lambda x: (lambda c: c if c and c["labels"] == 8640 else None)(chart_sets(x)))
    check("30 days per 5 minutes: 8640 buckets with /v1/trends's numbers",
          data and st == 200 and {s["key"]: s["counts"] for s in tr["series"]} ==
          {s["key"]: s["data"] for s in data["sets"]}, "api %s, chart %s" % (st, data and data["labels"]))
    bad = severe(d)
    check("Trends: no JS error after choosing steps", not bad, "\n".join(bad))
    shot(d, "trends-step")
    # back to where the other checks start
    click(d, "[data-switch=range] button[data-value='24h']")
    click(d, "[data-switch=step] button[data-value='5m']")
    wait(d, lambda x: (lambda c: c if c and c["labels"] == 288 else None)(chart_sets(x)))


def t_trends_without_charts(d):
    """Chart.js blocked: the numbers still show, and the page says the charts are missing."""
    d.execute_cdp_cmd("Network.enable", {})
    d.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/ui/vendor/chart.js"]})
    try:
        d.get("about:blank")	# a load of the page, not a change of its #
        goto(d, "trends")
        note = wait(d, lambda x: text_of(x, ".no-charts"))
        check("without Chart.js, Trends says the charts are missing", note and "Chart.js" in note, note)
        rows = js(d, """return [...document.querySelectorAll('table.numbers tbody tr')].map(r =>
            [...r.querySelectorAll('td')].slice(2).map(t => t.textContent))""")
        total = sum(int(r[0]) for r in rows or [])
        check("... and the numbers are in a table, open",
              total == sum(EXPECT["teams"].values()) and
              js(d, "return document.querySelector('details.numbers-box').open"), rows)
        severe(d, allowed=("chart.js",))
    finally:
        d.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
        d.get("about:blank")


def t_playground(d, present):
    goto(d, "playground")
    box = d.find_element(By.ID, "pg-text")
    prefix = "Halo min 😀🙏🏽 sudah dua hari saya "
    # chromedriver types only the BMP: the emoji go in as a paste would, the rest is typed
    js(d, "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'));", box, prefix)
    box.send_keys("GAGAL LOGIN terus, tolong dong")
    mark = wait(d, lambda x: js(x, """
        const m = document.querySelector('#pg-verdict mark');
        if (!m) return null;
        const box = m.parentElement;
        const r = document.createRange();
        r.setStart(box, 0);
        r.setEndBefore(m);
        return {mark: m.textContent, before: r.toString(), rules: m.dataset.rules};"""))
    check("the playground highlights the matched words after typing",
          mark and mark["mark"] == "GAGAL LOGIN" and mark["rules"] == "t.login", mark)
    check("... at the right place after an emoji and Indonesian text",
          mark and mark["before"] == prefix, mark)
    verdict = js(d, "const v = document.querySelector('#pg-verdict .verdict'); return v && [v.dataset.complaint, v.dataset.priority];")
    check("... with the verdict of the live rules", verdict == ["true", "normal"], verdict)

    # a draft: an error at file:line:col, and a rule that now matches
    d.find_element(By.ID, "pg-file").clear()
    d.find_element(By.ID, "pg-file").send_keys("20-draft.yaml")
    d.find_element(By.ID, "pg-draft").send_keys(
        "rules:\n  - id: d.tolong\n    team: tech\n    scor: 30\n    when: {keywords: [tolong]}\n")
    diag = wait(d, lambda x: text_of(x, "#pg-draft-out .diag"))
    check("a draft's error is listed as file:line:col",
          diag and re.search(r"(^|/)20-draft\.yaml:4:\d+: error: ", diag), diag)
    # a good draft: the four thank-you mentions would become complaints
    draft = d.find_element(By.ID, "pg-draft")
    draft.clear()
    draft.send_keys("rules:\n  - id: d.thanks\n    team: tech\n    score: 30\n"
                    "    when: {keywords: [terima kasih]}\n")
    ok = wait(d, lambda x: js(x, "const r = document.querySelector('#pg-draft-out .draft-result');"
                                 "return r && r.dataset.ok === 'true'"))
    check("the corrected draft is valid", ok, text_of(d, "#pg-draft-out"))
    d.find_element(By.ID, "pg-backtest").click()
    bt = wait(d, lambda x: js(x, "const s = document.querySelector('.backtest-summary');"
                                 "return s && [Number(s.dataset.before), Number(s.dataset.after), s.textContent]"), 30)
    want = sum(EXPECT["teams"].values())
    if present["trends"]:
        check("the backtest finds the posted complaints, and the draft's four more",
              bt and bt[0] == want and bt[1] == want + 4, bt)
    else:
        # the recent mentions are kept by the same part as /v1/trends
        check("the backtest answers", bt, bt)
        skip("the backtest's counts", "this keluhd keeps no recent mentions yet (no /v1/trends)")
    shot(d, "playground")
    if js(d, "return Keluh.session.rules_writable"):
        d.find_element(By.ID, "pg-save").click()
        ask_and(d, {})
        saved = wait(d, lambda x: js(x, "const r = document.querySelector('#pg-save-out [data-ok]');"
                                        "return r && [r.dataset.ok, r.textContent]"), 30)
        check("Save (confirmed) writes the draft and reloads", saved and saved[0] == "true", saved)
        if present["rules"]:
            st, after = api("/v1/rules?days=30")
            ids = [r["id"] for r in after.get("rules", [])] if st == 200 else []
            check("... and keluhd has the new rule", "d.thanks" in ids, ids)
        else:
            skip("... and keluhd has the new rule", "this keluhd has no /v1/rules yet")
    bad = severe(d)
    check("Playground: no JS error", not bad, "\n".join(bad))


def hostile_ok(d, where):
    """The hostile mention is text: no element made from it, no alert, U+202E shown."""
    r = js(d, """
        const t = [...document.querySelectorAll('.mention-text')].map(e => e.textContent)
            .find(s => s.includes('alert(1)'));
        const ctl = [...document.querySelectorAll('.mention-text .ctl')].map(e => e.textContent);
        const inBdi = [...document.querySelectorAll('.mention-text > bdi')].some(b => b.textContent.includes('<script>'));
        return {text: t || null, imgs: document.querySelectorAll('img').length,
                scripts: [...document.scripts].filter(s => !s.src).length, ctl, inBdi,
                links: [...document.querySelectorAll('a[href^="javascript"]')].length};""")
    alert = no_alert(d)
    check("%s: the hostile mention is shown as text" % where,
          r["text"] and "<script>alert(1)</script>" in r["text"] and '"><img src=x onerror=alert(1)>' in r["text"]
          and r["inBdi"], r)
    check("%s: no element, script, link or alert came from it" % where,
          r["imgs"] == 0 and r["scripts"] == 0 and r["links"] == 0 and not alert, "%s %s" % (r, alert))
    check("%s: its U+202E is shown, not obeyed" % where, "U+202E" in r["ctl"], r)


def t_now(d):
    goto(d, "now")
    st, cs = api("/v1/cases?state=open")
    ids = sorted(str(c["id"]) for c in cs["cases"]) if st == 200 else None
    shown = wait(d, lambda x: js(x, "return [...document.querySelectorAll('tr.case')].map(r => r.dataset.case)"))
    check("Now lists the open cases of /v1/cases", shown and sorted(shown) == ids, "%s vs %s" % (shown, ids))
    prios = js(d, "return [...document.querySelectorAll('tr.case .prio')].map(e => e.className.split('prio-')[1])")
    check("critical first", prios and prios[0] == "critical", prios)
    over = wait(d, lambda x: js(x, "return document.querySelector('tr.case .sla.overdue')"), 5)
    check("an overdue SLA clock is shown in red", over is not None)

    # the billing case opens to its mentions; the hostile one stays text
    billing = next((c for c in cs["cases"] if c.get("team") == "billing"), None)
    click(d, 'tr.case[data-case="%s"] .case-title' % billing["id"])
    wait(d, lambda x: js(x, "return document.querySelectorAll('.case-detail .mention').length >= 3"))
    hostile_ok(d, "Now")
    tl = text_of(d, ".case-detail .timeline")
    check("the case shows its timeline", tl and "opened" in tl, tl)
    bad = severe(d)
    check("Now: no JS error with the case open", not bad, "\n".join(bad))
    shot(d, "now-case")
    return cs["cases"]


def t_live(d, cases):
    """Another user acknowledges a case through the API; Now shows it without a reload."""
    goto(d, "now")
    wait(d, lambda x: js(x, "return document.querySelector('#live').dataset.state === 'on'"))
    js(d, "window.__keluhMark = 'still-here';")
    tech = next(c for c in cases if c.get("team") == "tech")
    jar = http.cookiejar.CookieJar()
    op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    st, s = api("/v1/session", "POST", {"token": args.token, "name": "Budi"}, bearer=False, opener=op)
    if not check("another user logs in through the API", st == 200 and s.get("user") == "Budi", s):
        return
    st, r = api("/v1/cases/%s/ack" % tech["id"], "POST", {}, bearer=False, opener=op)
    check("a POST without the CSRF header is refused (403)", st == 403, r)
    st, r = api("/v1/cases/%s/ack" % tech["id"], "POST", {}, bearer=False, opener=op,
                headers={"X-CSRF-Token": s["csrf"]})
    check("with it Budi acknowledges case #%s" % tech["id"], st == 200, r)
    seen = wait(d, lambda x: js(x, """
        const r = document.querySelector('tr.case[data-case="' + arguments[0] + '"]');
        return r && r.dataset.state === 'acknowledged' && r.querySelector('.acked-by').textContent.includes('Budi')
            ? r.querySelector('.acked-by').textContent : null;""", str(tech["id"])))
    check("Now shows Budi's acknowledgement live", seen, seen)
    check("... without reloading the page", js(d, "return window.__keluhMark") == "still-here")
    bad = severe(d)
    check("Now: no JS error on the live update", not bad, "\n".join(bad))


def ask_and(d, fill):
    wait(d, lambda x: js(x, "return document.getElementById('ask').open"))
    for name, value in fill.items():
        f = d.find_element(By.CSS_SELECTOR, '#ask-fields input[name="%s"]' % name)
        f.clear()
        f.send_keys(value)
    d.find_element(By.ID, "ask-ok").click()


def t_actions(d, cases):
    goto(d, "now")
    ops = next(c for c in cases if c.get("team") == "ops")
    sel = 'tr.case[data-case="%s"]' % ops["id"]
    wait(d, lambda x: js(x, "return document.querySelector(arguments[0])", sel))
    click(d, sel + ' button[data-action="assign"]')
    ask_and(d, {"to": "Rina"})
    got = wait(d, lambda x: js(x, "const r = document.querySelector(arguments[0]); return r && "
                                  "r.querySelector('.assignee').textContent.includes('Rina')", sel))
    check("Assign asks a name and the case shows it", got, text_of(d, sel))
    st, c = api("/v1/cases/%s" % ops["id"])
    c = (c or {}).get("case", c) or {}
    check("... as keluhd has it", c.get("assignee") == "Rina", c.get("assignee"))
    click(d, sel + ' button[data-action="resolve"]')
    ask_and(d, {"note": "sudah normal lagi"})
    gone = wait(d, lambda x: not js(x, "return document.querySelector(arguments[0])", sel))
    check("Resolve with a note takes the case off Now", gone)
    st, c = api("/v1/cases/%s" % ops["id"])
    c = (c or {}).get("case", c) or {}
    check("... resolved by the console user, with the note",
          c.get("state") == "resolved" and "Ayu" in (c.get("resolved_by") or "") and c.get("note") == "sudah normal lagi",
          c)
    bad = severe(d)
    check("Now: no JS error on the actions", not bad, "\n".join(bad))
    shot(d, "now")


def t_trends_mentions_hostile(d):
    """The Trends list of a bucket shows the hostile mention as text too."""
    goto(d, "trends")
    pos = js(d, """
        const c = document.querySelector('.trends-chart canvas'), ch = c && Chart.getChart(c);
        if (!ch) return null;
        const i = ch.data.datasets.findIndex(s => s.key === 'billing');
        const j = ch.data.datasets[i].data.findIndex(n => n > 0);
        return j;""")
    if pos is None:
        fail("Trends: the billing bar is there")
        return
    js(d, "document.querySelector('details.numbers-box').open = true")
    btn = wait(d, lambda x: js(x, """
        const rows = document.querySelectorAll('table.numbers tbody tr');
        const heads = [...document.querySelectorAll('table.numbers thead th')].map(h => h.textContent);
        const col = heads.indexOf('billing');
        for (const r of rows) { const b = r.querySelectorAll('td')[col].querySelector('button'); if (b) return b; }
        return null;"""))
    btn.click()
    wait(d, lambda x: js(x, "return document.querySelectorAll('#trends-picked .mention').length >= 3"))
    hostile_ok(d, "Trends")


def t_rules(d):
    goto(d, "rules")
    rows = wait(d, lambda x: js(x, "return [...document.querySelectorAll('tr[data-rule]')].map(r => r.dataset.rule)"))
    st, rl = api("/v1/rules?days=30")
    want = [r["id"] for r in rl["rules"]] if st == 200 else []
    check("Rules lists the rules of /v1/rules", rows and sorted(rows) == sorted(want), "%s vs %s" % (rows, want))
    never = text_of(d, "ul.never")
    check("... and the never-fired ones", never and EXPECT["never"] in never, never)
    hits = js(d, "return document.querySelector('tr[data-rule=\"t.login\"] canvas.spark').dataset.hits")
    api_hits = next((r["hits"] for r in rl["rules"] if r["id"] == "t.login"), [])
    check("t.login's hits per day are drawn from the API",
          hits == ",".join(str(n) for n in api_hits) and sum(api_hits) == EXPECT["teams"]["tech"], hits)
    click(d, 'tr[data-rule="t.login"] .rule-id')
    st, one = api("/v1/rules/t.login")
    where = wait(d, lambda x: text_of(x, ".rule-yaml .file-line"))
    check("a click shows the rule's file:line", one and where == "%s:%s" % (one["file"], one["line"]),
          "%s vs %s" % (where, one))
    yaml = text_of(d, ".rule-yaml pre")
    check("... and its YAML", yaml and "id: t.login" in yaml, yaml)
    f = d.find_element(By.CSS_SELECTOR, "input.filter")
    check("Rules: no null, undefined or NaN on the page", not junk(d), junk(d))
    f.send_keys("refund")
    only = wait(d, lambda x: js(x, "const r = [...document.querySelectorAll('tr[data-rule]')].map(r => r.dataset.rule);"
                                   "return r.length === 1 ? r : null"))
    check("the filter box narrows the list", only == ["b.refund"], only)
    bad = severe(d)
    check("Rules: no JS error", not bad, "\n".join(bad))
    shot(d, "rules")


def t_response(d):
    goto(d, "response")
    st, rt = api("/v1/response-times?days=7")
    groups = sorted("%s/%s" % (g["team"], g["priority"]) for g in rt.get("groups", [])) if st == 200 else None
    shown = wait(d, lambda x: js(x, """return [...new Set([...document.querySelectorAll('table.response tbody tr')]
        .map(r => r.dataset.team + '/' + r.dataset.priority))].sort()"""))
    check("Response times shows a row per team and priority of the API", shown == groups, "%s vs %s" % (shown, groups))
    br = js(d, "return document.querySelectorAll('table.breaches tbody tr').length")
    check("... and its breaches", br == len(rt.get("breaches", [])), "%s vs %s" % (br, len(rt.get("breaches", []))))
    bad = severe(d)
    check("Response times: no JS error", not bad, "\n".join(bad))
    shot(d, "response")


def t_deliveries(d):
    goto(d, "deliveries")
    st, dl = api("/v1/deliveries?state=dead")
    dead = dl["counts"]["dead"] if st == 200 else None
    n = wait(d, lambda x: text_of(x, '.count[data-count="dead"] .n'))
    check("Deliveries counts the dead letters as the API", n == str(dead), "%s vs %s" % (n, dead))
    reason = text_of(d, "table.dead .reason")
    check("... with their reason", reason and "400" in reason, reason)
    shot(d, "deliveries")
    first = js(d, "return document.querySelector('table.dead tbody tr').dataset.delivery")
    click(d, 'tr[data-delivery="%s"] button[data-action="drop"]' % first)
    ask_and(d, {})
    after = wait(d, lambda x: text_of(x, '.count[data-count="dead"] .n') == str(dead - 1))
    check("Drop (confirmed) removes a dead letter", after, text_of(d, '.count[data-count="dead"] .n'))
    st, dl2 = api("/v1/deliveries?state=dead")
    check("... from keluhd's outbox", st == 200 and all(str(x["id"]) != first for x in dl2["deliveries"]))
    bad = severe(d)
    check("Deliveries: no JS error", not bad, "\n".join(bad))


def t_phone(d):
    # the viewport of a phone exactly: a window can not be made that narrow everywhere
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
    d.get("about:blank")
    goto(d, "now")
    wide = js(d, "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    check("on a phone (390x844) Now has no horizontal scroll", wide and wide[0] <= wide[1] == 390, wide)
    nav = js(d, "return getComputedStyle(document.getElementById('nav')).display")
    toggle = d.find_element(By.ID, "menu-toggle")
    check("... the navigation folds behind a menu button", nav == "none" and toggle.is_displayed(), nav)
    toggle.click()
    check("... which opens it", wait(d, lambda x: x.find_element(By.ID, "nav").is_displayed(), 3))
    toggle.click()
    shot(d, "now-phone", whole=False)
    bad = severe(d)
    check("phone: no JS error", not bad, "\n".join(bad))
    d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def step(d, name, f, *a):
    """Runs one group of checks; an exception fails it, and the others still run."""
    try:
        return f(d, *a)
    except Exception:
        fail("%s ran to its end" % name, traceback.format_exc())
        try:
            shot(d, "failure-" + name)
            severe(d)
        except WebDriverException:
            pass
        return None


def t_indonesian(d):
    """display.language: id: the console speaks Indonesian."""
    d.get(args.url + "/ui/")
    wait(d, lambda x: x.find_element(By.ID, "login").is_displayed() or x.find_element(By.ID, "shell").is_displayed())
    if d.find_element(By.ID, "login").is_displayed():
        d.find_element(By.ID, "login-name").send_keys("Ayu")
        d.find_element(By.ID, "login-token").send_keys(args.token)
        d.find_element(By.ID, "login-submit").click()
    ok = goto(d, "now")
    nav = js(d, "return [...document.querySelectorAll('#nav a')].map(a => a.textContent)")
    if not api_present("/v1/cases?state=open"):
        MISSING.append("/v1/cases")
    check("with display.language id the navigation is Indonesian",
          nav == ["Sekarang", "Tren", "Waktu respons", "Aturan", "Uji coba", "Pengiriman"], nav)
    if MISSING:
        skip("... and so is the Now page", "this keluhd has no cases API yet")
    else:
        heads = js(d, "return [...document.querySelectorAll('table.cases th')].map(h => h.textContent)")
        check("... and so is the Now page", ok and heads and "Prioritas" in heads and "Tindakan" in heads, heads)
    check("... with lang=id on the page", js(d, "return document.documentElement.lang") == "id")
    bad = severe(d, allowed=("/v1/session - Failed to load resource",))
    check("Indonesian: no JS error", not bad, "\n".join(bad))
    shot(d, "now-id")


def main():
    if args.language:
        d = browser()
        try:
            step(d, "language", t_indonesian)
        finally:
            d.quit()
        return 1 if failed else 0
    present = {name: (path is None or api_present(path)) for name, path in PAGES}
    # POST only: anything but 404 means it is there
    st, _ = api("/v1/playground", "POST", {"text": "x"})
    present["playground"] = st != 404
    for name, path in PAGES:
        if not present[name]:
            MISSING.append((path or "/v1/" + name).split("?")[0])
    d = browser()
    try:
        step(d, "login", t_login)
        step(d, "pages", t_pages, present)
        cases = None
        if present["now"]:
            cases = step(d, "now", t_now)
            if cases:
                step(d, "live", t_live, cases)
        else:
            skip("Now: cases, live update, hostile text", "this keluhd has no /v1/cases yet")
        if present["trends"]:
            step(d, "trends", t_trends)
            step(d, "trends-step", t_trends_step)
            step(d, "trends-hostile", t_trends_mentions_hostile)
            step(d, "trends-nocharts", t_trends_without_charts)
        else:
            skip("Trends: the chart's data", "this keluhd has no /v1/trends yet")
        if present["playground"]:
            step(d, "playground", t_playground, present)
        else:
            skip("Playground: the highlight", "this keluhd has no /v1/playground yet")
        if present["rules"]:
            step(d, "rules", t_rules)
        else:
            skip("Rules: the table and YAML", "this keluhd has no /v1/rules yet")
        if present["deliveries"]:
            step(d, "deliveries", t_deliveries)
        else:
            skip("Deliveries: dead letters and drop", "this keluhd has no /v1/deliveries yet")
        if cases:
            step(d, "actions", t_actions, cases)
        if present["response"]:
            step(d, "response", t_response)
        else:
            skip("Response times", "this keluhd has no /v1/response-times yet")
        step(d, "phone", t_phone)
    finally:
        d.quit()
        LOG.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
