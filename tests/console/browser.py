#!/usr/bin/env python3
"""The console in a real browser: Debian's headless Chromium driven by Selenium.

For each database (SQLite, then PostgreSQL on a scratch database) it starts `qorgau serve` on a
free port, sets up a district with its intake, a mobile group and a case manager over the REST
API, files a signal and opens a case for her; then, in Kazakh and in Russian, signs in as the
case manager through the console, opens a task, opens its case, logs an intervention with the
form and finds it in the case's interventions and on the timeline, visits her cases and
notifications, and signs out. Then, in Kazakh, the intake coordinator triages a waiting signal
into a case from her queue, and the supervisor finds the case in the region and approves, from
her dashboard, the plan the case manager submitted. Last, in Kazakh, the case manager records
the case's initial and comprehensive assessments and drafts a new version of its plan with the
console's forms, the supervisor approves it, the manager moves the case on and requests its
closure, and the supervisor closes it from her dashboard and opens the region's indicators;
then an analyst opens the aggregates, counts them by region and downloads them as CSV; and, in
Russian, the administrator adds a district and a case manager and resets her password, and she
signs in with it, is kept on the password page until she changes it, then reaches her tasks.
In the same walks, as someone else, the guards: another district's case manager gets "not found"
for the case's address, a form sent without its CSRF token is refused and records nothing, and
an intervention form made before the case changed is refused and shows the case as it is now.
axe-core checks every page the walks see (each kind of page in each language once): no serious
or critical violation of WCAG 2.1 A/AA. Screenshots go to target/console-screenshots/.

    python3 tests/console/browser.py            # both databases
    BACKENDS=sqlite python3 tests/console/browser.py

Environment: QORGAU_BIN (default target/debug/qorgau), QORGAU_TEST_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/postgres: where the scratch database is made), CHROMIUM and
CHROMEDRIVER (default /usr/bin/chromium, /usr/bin/chromedriver), AXE_JS (default
/opt/qorgau-axe-core/package/axe.min.js: `npm pack axe-core@4.10` unpacked there; .ci/run does it).
"""

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from urllib.parse import urlparse, urlunparse

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("QORGAU_BIN", os.path.join(ROOT, "target", "debug", "qorgau"))
PG_URL = os.environ.get("QORGAU_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
SHOTS = os.path.join(ROOT, "target", "console-screenshots")
PASSWORD = "a long passphrase"
AXE_JS = os.environ.get("AXE_JS", "/opt/qorgau-axe-core/package/axe.min.js")
# The rules of WCAG 2.1 A and AA; the impacts that fail the test.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_FAILING = {"serious", "critical"}
# The pages checked (path with ids as {id}, language) and what was found on them.
AUDITED = {}

# What each language must show: the tasks' heading, the saved notice, the timeline's label of
# an intervention, the sign-in button.
WORDS = {
    "kk": {"tasks": "Менің тапсырмаларым", "saved": "Көмек тіркелді.",
           "timeline": "Көмек көрсетілді", "sign_in": "Кіру", "kind": "Үйге бару"},
    "ru": {"tasks": "Мои задачи", "saved": "Помощь записана.",
           "timeline": "Оказана помощь", "sign_in": "Войти", "kind": "Посещение на дому"},
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Api:
    def __init__(self, base):
        self.base = base + "/api/v1"

    def call(self, method, path, body=None, token=None, headers=()):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("content-type", "application/json")
        for name, value in headers:
            req.add_header(name, value)
        if token:
            req.add_header("authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req) as res:
                text = res.read().decode()
                return res.status, json.loads(text) if text else None
        except urllib.error.HTTPError as e:
            raise SystemExit(f"{method} {path}: {e.code} {e.read().decode()}")

    def login(self, username, password):
        return self.call("POST", "/auth/login", {"username": username, "password": password})[1]["access_token"]


def scratch_postgres():
    """A fresh database on the test server; its URL and a function that drops it."""
    name = f"qorgau_console_{os.getpid()}"
    parts = urlparse(PG_URL)
    admin = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", PG_URL, "-c"]
    quiet = dict(os.environ, PGOPTIONS="-c client_min_messages=warning")
    subprocess.run(admin + [f"DROP DATABASE IF EXISTS {name}"], check=True, env=quiet)
    subprocess.run(admin + [f"CREATE DATABASE {name}"], check=True, env=quiet)
    url = urlunparse(parts._replace(path="/" + name))

    def drop():
        subprocess.run(admin + [f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=False, env=quiet)

    return url, drop


def start_server(database_url, data_dir):
    port = free_port()
    env = dict(os.environ,
               QORGAU_DATABASE_URL=database_url, QORGAU_DATA_DIR=data_dir,
               QORGAU_LISTEN=f"127.0.0.1:{port}", QORGAU_PUBLIC_URL=f"http://127.0.0.1:{port}",
               QORGAU_LOG_LEVEL="warn", QORGAU_WORKER_ENABLED="false")
    log = open(os.path.join(data_dir, "server.log"), "w")
    proc = subprocess.Popen([BIN, "serve"], env=env, stdout=log, stderr=log, text=True)
    # Not at a terminal, the server writes the first administrator's password to a 0600 file in
    # its data directory and prints only the path (docs/security.md): read it as an operator would.
    password_file = os.path.join(data_dir, "initial-admin-password")
    deadline = time.time() + 60
    while not (os.path.exists(password_file) and os.path.getsize(password_file) > 0):
        if proc.poll() is not None:
            raise SystemExit(f"the server stopped: see {log.name}")
        if time.time() > deadline:
            raise SystemExit(f"no {password_file}")
        time.sleep(0.1)
    with open(password_file) as f:
        password = f.read().strip()
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/health/ready")
            break
        except Exception:
            time.sleep(0.1)
    return proc, base, password


def world(api, admin_password):
    """A district, its intake and mobile group, a case manager, and a case opened for her."""
    admin = api.login("admin", admin_password)
    api.call("POST", "/regions/KZ-71/districts", {
        "code": "KZ-71-01", "name": {"kk": "Алматы ауданы", "ru": "район Алматы", "en": "Almaty district"}}, admin)

    def org(kind, district):
        body = {"name": f"{kind} KZ-71", "kind": kind, "region_code": "KZ-71", "district_code": district}
        return api.call("POST", "/organisations", body, admin)[1]["id"]

    def user(username, role, organisation):
        body = {"username": username, "full_name": username, "email": f"{username}@example.kz",
                "password": PASSWORD, "role": role, "organisation_id": organisation}
        return api.call("POST", "/users", body, admin)[1]["id"]

    department = org("child_rights_department", None)
    centre = org("family_support_centre", "KZ-71-01")
    group = org("mobile_group", "KZ-71-01")
    manager = user("aigerim", "case_manager", department)
    user("intake", "intake_coordinator", centre)
    user("mobile", "mobile_group_member", group)
    user("sup", "supervisor", department)
    user("analyst", "analyst", department)
    # A case manager of another region, for the guards.
    user("other", "case_manager", api.call("POST", "/organisations", {
        "name": "child_rights_department KZ-75", "kind": "child_rights_department",
        "region_code": "KZ-75", "district_code": None}, admin)[1]["id"])
    mobile, intake = api.login("mobile", PASSWORD), api.login("intake", PASSWORD)

    def file(first_name, last_name):
        return api.call("POST", "/signals", {
            "source": "mobile_group", "concerns": ["neglect"], "urgency": "high",
            "description": "Соседи сообщают, что ребёнок часто один дома.",
            "observed_at": "2026-11-24T18:30:00Z", "region_code": "KZ-71", "district_code": "KZ-71-01",
            "child": {"first_name": first_name, "last_name": last_name, "birth_date": "2015-03-14"},
            "reporter": {"anonymous": True}}, mobile)[1]

    signal = file("Әлихан", "Серікұлы")
    case = api.call("POST", f"/signals/{signal['id']}/triage",
                    {"decision": "open_case", "risk_level": "high", "assignee_id": manager}, intake)[1]["case_id"]
    # A plan for the supervisor to decide, and a signal for the intake coordinator to triage.
    due = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 60 * 86400))
    plan = {"goals": [{"title": "Үйде қауіпсіз", "measures": [{
        "kind": "social", "description": "Отбасын қолдау", "responsible_organisation_id": centre, "due_date": due}]}]}
    req = urllib.request.Request(f"{api.base}/cases/{case}/plan", data=json.dumps(plan).encode(), method="PUT")
    for name, value in [("content-type", "application/json"), ("if-none-match", "*"),
                        ("authorization", "Bearer " + api.login("aigerim", PASSWORD))]:
        req.add_header(name, value)
    urllib.request.urlopen(req).read()
    return {"intake": intake, "waiting": file("Дана", "Ерланқызы")["id"], "plan_case": case,
            "admin": admin}


def browser(accept_language, downloads=None):
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1800"]:
        options.add_argument(arg)
    prefs = {"intl.accept_languages": accept_language}
    if downloads:
        prefs.update({"download.default_directory": downloads, "download.prompt_for_download": False})
    options.add_experimental_option("prefs", prefs)
    service = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    if downloads:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
    return driver


@contextlib.contextmanager
def session(backend, lang, accept_language, downloads=None):
    """A browser for one walk and its `shot(name)`; a screenshot named `failure` when the walk
    fails; the browser closed in any case."""
    driver = browser(accept_language, downloads)
    shot = lambda name: driver.save_screenshot(os.path.join(SHOTS, f"{backend}-{lang}-{name}.png"))
    try:
        yield driver, shot
    except Exception:
        shot("failure")
        raise
    finally:
        driver.quit()


def page_kind(driver):
    """The page as a kind: its path with ids and numbers as {id}, and its language."""
    path = urlparse(driver.current_url).path
    path = re.sub(r"/[0-9a-f]{8}-[0-9a-f-]{27,}|/\d+", "/{id}", path)
    return path, driver.find_element(By.TAG_NAME, "html").get_attribute("lang")


def audit(driver):
    """axe-core on the page, once for each kind of page in each language; a serious or
    critical violation fails the test there, naming the rule and the elements."""
    kind = page_kind(driver)
    if kind in AUDITED:
        return
    with open(AXE_JS) as f:
        driver.execute_script(f.read())
    found = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))))"
        ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));",
        AXE_TAGS)
    AUDITED[kind] = found
    failing = [v for v in found if v["impact"] in AXE_FAILING]
    if failing:
        raise AssertionError(f"axe-core on {kind[0]} ({kind[1]}): " + "; ".join(
            f"{v['impact']} {v['id']} ({v['help']}) at {', '.join(v['nodes'])}" for v in failing))


def visit(driver, url):
    """Opens `url` and checks the page with axe-core."""
    driver.get(url)
    audit(driver)


def click_and_wait(driver, element, arrived):
    """Clicks `element` (a link or a form's button) and waits until a new page is there and
    `arrived(driver)`: a form's POST and its 303 finish after the click returns, and the page
    before may already look arrived (the same form sent twice)."""
    before = driver.find_element(By.TAG_NAME, "html")
    element.click()
    # The old page's elements go stale as the new page loads — found gone, or their node no
    # longer of the document: look again until the new page is there (or time runs out).
    WebDriverWait(driver, 10, ignored_exceptions=[WebDriverException]).until(
        lambda d: staleness_of(before)(d) and arrived(d))
    audit(driver)


def at(path):
    return lambda d: d.current_url.split("?")[0].split("#")[0].endswith(path)


def heading(text):
    return lambda d: d.find_element(By.TAG_NAME, "h1").text == text


def open_form(driver, form):
    """Opens the case page's form `form` (each is folded in a `details` until asked for)."""
    box = driver.find_element(By.ID, f"{form}-form")
    if box.get_attribute("open") is None:
        box.find_element(By.TAG_NAME, "summary").click()


def submit(driver, form):
    """Sends the case page's form `form` and waits for the page that says it was saved."""
    button = driver.find_element(By.CSS_SELECTOR, f"#{form}-form button[type='submit']")
    click_and_wait(driver, button, lambda d: f"saved={form}" in d.current_url)


def move_case(driver, to):
    """Moves the case of the case page on to `to` with its form."""
    open_form(driver, "status")
    Select(driver.find_element(By.ID, "status-to")).select_by_value(to)
    submit(driver, "status")


def approve_plan(driver, base, case):
    """As the supervisor: from the dashboard to the plan of `case` awaiting her, approved."""
    visit(driver, base + "/console/supervision")
    click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, f"a[href='{case}/plan']"), at(f"{case}/plan"))
    button = driver.find_element(By.XPATH, "//input[@name='decision'][@value='approve']/ancestor::form//button")
    click_and_wait(driver, button, lambda d: "saved=decision" in d.current_url)


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    print(f"  ok: {what}")


def walk(base, backend, lang):
    """One case manager's session in `lang`: sign in, a task, its case, an intervention."""
    words = WORDS[lang]
    # Kazakh is chosen with the language form, from an English browser; Russian comes from the
    # browser's Accept-Language.
    with session(backend, lang, "en-US,en" if lang == "kk" else "ru-RU,ru") as (driver, shot):
        visit(driver, base + "/console/")
        check(driver.current_url.endswith("/console/sign-in"), f"{lang}: signed out, the console asks to sign in")
        if lang == "kk":
            check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en", "kk: an English browser first sees English")
            Select(driver.find_element(By.ID, "lang")).select_by_value("kk")
            click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "form.language button"),
                           lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "kk")
        check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang, f"{lang}: <html lang={lang}>")
        check(driver.find_element(By.CSS_SELECTOR, "form.sign-in button").text == words["sign_in"], f"{lang}: sign-in button in {lang}")
        shot("1-sign-in")
        driver.find_element(By.ID, "username").send_keys("aigerim")
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "form.sign-in button"), heading(words["tasks"]))
        check(driver.find_element(By.TAG_NAME, "h1").text == words["tasks"], f"{lang}: signed in, on my tasks")
        shot("2-tasks")
        task = driver.find_element(By.CSS_SELECTOR, "table.tasks a[href^='/console/cases/']")
        click_and_wait(driver, task, lambda d: "/console/cases/" in d.current_url)
        check("/console/cases/" in driver.current_url, f"{lang}: a task opens its case")
        check("Әлихан" in driver.find_element(By.ID, "main").text, f"{lang}: the child card shows the child")
        shot("3-case")
        summary = f"{lang}: үйге бардық / посетили семью ({backend})"
        open_form(driver, "interventions")
        Select(driver.find_element(By.ID, "interventions-kind")).select_by_value("home_visit")
        Select(driver.find_element(By.ID, "interventions-assistance_type")).select_by_value("social")
        driver.find_element(By.ID, "interventions-summary").send_keys(summary)
        driver.find_element(By.ID, "interventions-duration_minutes").send_keys("40")
        driver.find_element(By.ID, "interventions-child_seen").click()
        submit(driver, "interventions")
        main = driver.find_element(By.ID, "main").text
        check(words["saved"] in main, f"{lang}: the intervention is saved")
        rows = driver.find_element(By.CSS_SELECTOR, "table.interventions").text
        check(summary in rows and words["kind"] in rows, f"{lang}: it is listed with its kind's label")
        timeline = driver.find_element(By.CSS_SELECTOR, "ol.timeline").text
        check(words["timeline"] in timeline, f"{lang}: it is on the timeline")
        shot("4-intervention-logged")
        click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "nav a[href='/console/cases']"), at("/console/cases"))
        check(len(driver.find_elements(By.CSS_SELECTOR, "table.cases tbody tr")) == 1, f"{lang}: my cases lists the case")
        shot("5-cases")
        click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "nav a[href='/console/notifications']"),
                       at("/console/notifications"))
        shot("6-notifications")
        if lang == "kk":
            unread = len(driver.find_elements(By.CSS_SELECTOR, "li.unread"))
            check(unread >= 1, f"{lang}: the case's assignment is an unread notification")
            button = driver.find_element(By.CSS_SELECTOR, "li.unread form.inline button")
            click_and_wait(driver, button,
                           lambda d: len(d.find_elements(By.CSS_SELECTOR, "li.unread")) == unread - 1)
            check(True, f"{lang}: marked read")
        else:
            listed = driver.find_elements(By.CSS_SELECTOR, "ul.notifications li")
            check(listed and not driver.find_elements(By.CSS_SELECTOR, "li.unread"),
                  f"{lang}: the notification read in the other session is listed as read")
        click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "form.signout button"), at("/console/sign-in"))
        check(driver.current_url.endswith("/console/sign-in"), f"{lang}: signed out")
        visit(driver, base + "/console/")
        check(driver.current_url.endswith("/console/sign-in"), f"{lang}: the session is over")


def sign_in(driver, base, username, title):
    visit(driver, base + "/console/sign-in")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "form.sign-in button"), heading(title))


def sign_out(driver):
    click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "form.signout button"), at("/console/sign-in"))


def triage_and_decide(base, backend, api, made):
    """In Kazakh: the intake coordinator triages the waiting signal into a case from her queue;
    the supervisor finds it in the region, and approves the submitted plan from her dashboard."""
    with session(backend, "kk", "kk-KZ,kk") as (driver, shot):
        sign_in(driver, base, "intake", "Менің тапсырмаларым")
        nav = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "nav a")]
        check(not any("/console/supervision" in h or h.endswith("/console/cases") for h in nav),
              "kk: the intake coordinator's navigation has her pages only")
        click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "nav a[href='/console/signals']"), at("/console/signals"))
        shot("7-triage-queue")
        link = driver.find_element(By.CSS_SELECTOR, f"table.queue a[href='/console/signals/{made['waiting']}']")
        click_and_wait(driver, link, at(f"/console/signals/{made['waiting']}"))
        main = driver.find_element(By.ID, "main").text
        check("Қараусыз қалдыру" in main and "Дана" in main, "kk: the signal shows its concern's label and the child")
        Select(driver.find_element(By.ID, "open_case-risk_level")).select_by_value("high")
        shot("8-signal")
        button = driver.find_element(By.XPATH, "//select[@id='open_case-risk_level']/ancestor::form//button")
        click_and_wait(driver, button, lambda d: "saved=triage" in d.current_url)
        check("Сигнал сұрыпталды." in driver.find_element(By.ID, "main").text, "kk: the signal is triaged into a case")
        sign_out(driver)
        status, signal = api.call("GET", f"/signals/{made['waiting']}", token=made["intake"])
        check(signal["status"] == "case_opened", "kk: the API sees the case opened")

        sign_in(driver, base, "sup", "Менің тапсырмаларым")
        click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "nav a[href='/console/supervision']"),
                       at("/console/supervision"))
        board = driver.find_element(By.ID, "main").text
        check("aigerim" in board, "kk: the dashboard shows the case manager's caseload")
        shot("9-dashboard")
        visit(driver, base + "/console/cases")
        check(f"/console/cases/{signal['case_id']}" in driver.page_source,
              "kk: the supervisor finds the case opened by triage in the region")
        approve_plan(driver, base, f"/console/cases/{made['plan_case']}")
        main = driver.find_element(By.ID, "main").text
        check("Жоспар бойынша шешім сақталды." in main and "Үйде қауіпсіз" in main,
              "kk: the plan awaiting her, from her dashboard, is approved")
        shot("10-plan-approved")
        sign_out(driver)


def to_closure(base, backend, made):
    """In Kazakh, the case manager takes the first case through its assessments and a new
    version of its plan, which the supervisor approves; the manager moves the case on and
    requests its closure, which the supervisor grants — all with the console's forms."""
    case = f"/console/cases/{made['plan_case']}"
    main = lambda: driver.find_element(By.ID, "main").text
    status = lambda: driver.find_element(By.CSS_SELECTOR, "dl.summary dd").text
    with session(backend, "kk", "kk-KZ,kk") as (driver, shot):
        sign_in(driver, base, "aigerim", "Менің тапсырмаларым")
        visit(driver, base + case)
        open_form(driver, "assessments")
        Select(driver.find_element(By.ID, "assessments-kind")).select_by_value("initial")
        Select(driver.find_element(By.ID, "assessments-risk_level")).select_by_value("medium")
        driver.find_element(By.ID, "assessments-summary").send_keys("Бала қауіпсіз, үй таза.")
        Select(driver.find_element(By.ID, "assessments-level_safety")).select_by_value("low")
        submit(driver, "assessments")
        check("Бағалау тіркелді." in main() and status() == "Бағалау",
              "kk: the initial assessment is recorded, the case moves on to assessment")
        open_form(driver, "assessments")
        Select(driver.find_element(By.ID, "assessments-kind")).select_by_value("comprehensive")
        driver.find_element(By.ID, "assessments-summary").send_keys("Жеті сала бойынша бағаланды.")
        for domain in ["safety", "health", "education", "family", "psycho_emotional", "legal", "material"]:
            Select(driver.find_element(By.ID, f"assessments-level_{domain}")).select_by_value("medium")
        shot("11-assessment")
        submit(driver, "assessments")
        check(status() == "Жоспарлау", "kk: the comprehensive assessment moves the case on to planning")

        click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, f"main a[href='{case}/plan']"),
                       at(f"{case}/plan"))
        title = driver.find_element(By.ID, "draft-goals-0-title")
        check(title.get_attribute("value") == "Үйде қауіпсіз", "kk: the editor starts from the plan as it is")
        title.send_keys(", мектепте де")
        Select(driver.find_element(By.ID, "draft-goals-0-measures-1-kind")).select_by_value("pedagogical")
        driver.find_element(By.ID, "draft-goals-0-measures-1-description").send_keys("Сабақтан кейінгі қолдау")
        Select(driver.find_element(By.ID, "draft-goals-0-measures-1-responsible_organisation_id")).select_by_index(1)
        due = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 30 * 86400))
        driver.execute_script("arguments[0].value = arguments[1]",
                              driver.find_element(By.ID, "draft-goals-0-measures-1-due_date"), due)
        more = driver.find_element(By.CSS_SELECTOR, "form.plan-editor button[name='more']")
        click_and_wait(driver, more, lambda d: d.find_elements(By.ID, "draft-goals-0-measures-2-kind"))
        check(driver.find_element(By.ID, "draft-goals-0-measures-1-description").get_attribute("value")
              == "Сабақтан кейінгі қолдау", "kk: more rows keep what was typed")
        shot("12-plan-editor")
        save = driver.find_element(By.CSS_SELECTOR, "form.plan-editor button:not([name])")
        click_and_wait(driver, save, lambda d: "saved=draft" in d.current_url)
        check("Жоспар сақталды және бекітуге жіберілді." in main() and "мектепте де" in main(),
              "kk: the new version of the plan is saved and sent for approval")
        sign_out(driver)

        sign_in(driver, base, "sup", "Менің тапсырмаларым")
        approve_plan(driver, base, case)
        check("Жоспар бойынша шешім сақталды." in main(), "kk: the supervisor approves the new version")
        sign_out(driver)

        sign_in(driver, base, "aigerim", "Менің тапсырмаларым")
        visit(driver, base + case)
        move_case(driver, "in_progress")
        check(status() == "Сүйемелдеу", "kk: the case moves on to its plan's work")
        open_form(driver, "closure")
        Select(driver.find_element(By.ID, "closure-closure_reason")).select_by_value("goals_achieved")
        shot("13-closure-request")
        submit(driver, "closure")
        check("Жабу сұралды" in main() and status() == "Жабу сұралды", "kk: closure is requested")
        sign_out(driver)

        sign_in(driver, base, "sup", "Менің тапсырмаларым")
        click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "nav a[href='/console/supervision']"),
                       at("/console/supervision"))
        action = f"/console/supervision/{made['plan_case']}/closure"
        button = driver.find_element(By.XPATH, f"//form[@action='{action}']//button[@value='approve']")
        shot("14-closure-awaiting")
        click_and_wait(driver, button, lambda d: "saved=closure" in d.current_url)
        check("Жабу туралы шешім сақталды." in main(), "kk: the supervisor closes the case from her dashboard")
        check(not driver.find_elements(By.CSS_SELECTOR, f"form[action='{action}']"), "kk: it awaits her no more")
        visit(driver, base + case)
        check(status() == "Жабық", "kk: the case is closed")
        click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "nav a[href='/console/reports']"),
                       at("/console/reports"))
        charts = driver.find_elements(By.CSS_SELECTOR, "figure.chart svg[role='img']")
        check(len(charts) >= 2 and "Жоспар бекітілгенге дейін" in main(),
              "kk: the region's indicators, charted and in tables")
        shot("15-reports")
        sign_out(driver)


def guards(base, backend, api, made):
    """In Kazakh: a case manager of another region gets "not found" for the case's address; the
    case's manager sends the intervention form without its CSRF token (refused, nothing
    recorded), then a form made before the case changed (refused, the case shown as it is now,
    nothing recorded)."""
    case = made["plan_case"]
    manager = api.login("aigerim", PASSWORD)
    logged = lambda: len(api.call("GET", f"/cases/{case}/interventions", token=manager)[1]["items"])
    with session(backend, "kk", "kk-KZ,kk") as (driver, shot):
        sign_in(driver, base, "other", "Менің тапсырмаларым")
        visit(driver, f"{base}/console/cases/{case}")
        main = driver.find_element(By.ID, "main").text
        check(driver.find_element(By.TAG_NAME, "h1").text == "Табылмады" and "Әлихан" not in main,
              "kk: another region's case manager: the case's address is not found, nothing of the child shown")
        shot("guard-not-found")
        visit(driver, base + "/console/")
        sign_out(driver)

        sign_in(driver, base, "aigerim", "Менің тапсырмаларым")
        before = logged()
        visit(driver, f"{base}/console/cases/{case}")
        open_form(driver, "interventions")
        Select(driver.find_element(By.ID, "interventions-kind")).select_by_value("consultation")
        Select(driver.find_element(By.ID, "interventions-assistance_type")).select_by_value("social")
        driver.find_element(By.ID, "interventions-summary").send_keys("CSRF-сыз жіберілген форма")
        driver.execute_script(
            "document.querySelector('#interventions-form input[name=csrf]').remove()")
        button = driver.find_element(By.CSS_SELECTOR, "#interventions-form button[type='submit']")
        click_and_wait(driver, button, lambda d: "Форманың мерзімі өтті" in d.find_element(By.ID, "main").text)
        check(logged() == before, "kk: a form sent without its CSRF token is refused and records nothing")
        shot("guard-csrf")

        visit(driver, f"{base}/console/cases/{case}")
        open_form(driver, "interventions")
        Select(driver.find_element(By.ID, "interventions-kind")).select_by_value("consultation")
        Select(driver.find_element(By.ID, "interventions-assistance_type")).select_by_value("social")
        driver.find_element(By.ID, "interventions-summary").send_keys("Ескі беттен жіберілген форма")
        # Meanwhile the case changes through the API: its risk is revised.
        version = api.call("GET", f"/cases/{case}", token=manager)[1]["version"]
        api.call("PATCH", f"/cases/{case}", {"risk_level": "medium", "risk_reason": "Отбасы көмекті қабылдады"}, manager, [("if-match", f'"{version}"')])
        button = driver.find_element(By.CSS_SELECTOR, "#interventions-form button[type='submit']")
        click_and_wait(driver, button, lambda d: "кейс өзгерді" in d.find_element(By.ID, "main").text)
        check(logged() == before, "kk: a form made before the case changed is refused, nothing recorded")
        typed = driver.find_element(By.ID, "interventions-summary").get_attribute("value")
        check(typed == "Ескі беттен жіберілген форма", "kk: the refused form comes back as typed")
        shot("guard-stale")
        sign_out(driver)


def administration(base, backend, admin_password):
    """In Russian, the administrator adds a district and a case manager with the console's forms,
    then resets her password; the case manager signs in with the one-time password, is sent to
    the password page before anything else, changes it and reaches her tasks."""
    with session(backend, "ru", "ru-RU,ru") as (driver, shot):
        visit(driver, base + "/console/sign-in")
        driver.find_element(By.ID, "username").send_keys("admin")
        driver.find_element(By.ID, "password").send_keys(admin_password)
        click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "form.sign-in button"),
                       lambda d: "/console/" in d.current_url and "sign-in" not in d.current_url)
        nav = [a.get_attribute("href").split("/console")[1] for a in driver.find_elements(By.CSS_SELECTOR, "nav a")]
        check("/admin/users" in nav and "/supervision" not in nav, "ru: the administrator's navigation has her pages")
        click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "nav a[href='/console/admin/districts']"),
                       at("/console/admin/districts"))
        Select(driver.find_element(By.ID, "districts-region_code")).select_by_value("KZ-71")
        driver.find_element(By.ID, "districts-code").send_keys("KZ-71-02")
        for lang, name in [("kk", "Есіл ауданы"), ("ru", "район Есиль"), ("en", "Esil district")]:
            driver.find_element(By.ID, f"districts-name-{lang}").send_keys(name)
        click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "form[method='post'][action='/console/admin/districts'] button"),
                       lambda d: "saved=districts" in d.current_url)
        check("Район добавлен" in driver.find_element(By.ID, "main").text, "ru: the district is added")
        visit(driver, base + "/console/admin/districts?region_code=KZ-71")
        check("район Есиль" in driver.find_element(By.ID, "main").text, "ru: it is listed in its region")
        shot("17-admin-districts")

        click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "nav a[href='/console/admin/users']"),
                       at("/console/admin/users"))
        for field, value in [("username", "dana"), ("full_name", "Дана Ерланқызы"),
                             ("email", "dana@example.kz"), ("password", PASSWORD)]:
            driver.find_element(By.ID, f"users-{field}").send_keys(value)
        Select(driver.find_element(By.ID, "users-role")).select_by_value("case_manager")
        organisations = Select(driver.find_element(By.ID, "users-organisation_id"))
        organisations.select_by_visible_text(next(o.text for o in organisations.options if "child_rights_department KZ-71" in o.text))
        click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "form[method='post'][action='/console/admin/users'] button"),
                       lambda d: "saved=users" in d.current_url)
        check("dana" in driver.find_element(By.ID, "main").text, "ru: a case manager created")
        row = driver.find_element(By.XPATH, "//tr[td[contains(., 'dana')]]")
        click_and_wait(driver, row.find_element(By.CSS_SELECTOR, "form[action$='/password-reset'] button"),
                       lambda d: d.find_elements(By.ID, "one-time-password"))
        once = driver.find_element(By.ID, "one-time-password").text.strip()
        check(len(once) >= 12, "ru: her password reset, the one-time password shown once")
        shot("18-admin-users")
        sign_out(driver)

        visit(driver, base + "/console/sign-in")
        driver.find_element(By.ID, "username").send_keys("dana")
        driver.find_element(By.ID, "password").send_keys(once)
        click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "form.sign-in button"), at("/console/password"))
        visit(driver, base + "/console/cases")
        check(driver.current_url.split("?")[0].endswith("/console/password"),
              "ru: after a reset, every page sends her to the password page")
        driver.find_element(By.ID, "password-current").send_keys(once)
        driver.find_element(By.ID, "password-new").send_keys("another long passphrase")
        driver.find_element(By.ID, "password-repeat").send_keys("another long passphrase")
        click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "form[method='post'][action='/console/password'] button"),
                       lambda d: "saved=password" in d.current_url)
        shot("19-password-changed")
        visit(driver, base + "/console/")
        check(driver.find_element(By.TAG_NAME, "h1").text == "Мои задачи", "ru: the password changed, her tasks open")
        sign_out(driver)


def aggregates(base, backend):
    """In Kazakh, the analyst counts the signals by region and downloads the counts as CSV."""
    downloads = tempfile.mkdtemp(prefix="qorgau-downloads-")
    with session(backend, "kk", "kk-KZ,kk", downloads) as (driver, shot):
        sign_in(driver, base, "analyst", "Менің тапсырмаларым")
        nav = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "nav a")]
        check(any(h.endswith("/console/reports") for h in nav) and not any("/console/supervision" in h for h in nav),
              "kk: the analyst's navigation has her pages only")
        click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "nav a[href='/console/aggregates']"),
                       at("/console/aggregates"))
        driver.find_element(By.ID, "aggregates-group_by-region").click()
        button = driver.find_element(By.CSS_SELECTOR, "form.filters button")
        click_and_wait(driver, button, lambda d: "group_by=region" in d.current_url)
        check(driver.find_elements(By.CSS_SELECTOR, "a.download"), "kk: counted by region, with the CSV's link")
        shot("16-aggregates")
        driver.find_element(By.CSS_SELECTOR, "a.download").click()
        WebDriverWait(driver, 10).until(
            lambda d: [f for f in os.listdir(downloads) if f.endswith(".csv")])
        name = next(f for f in os.listdir(downloads) if f.endswith(".csv"))
        with open(os.path.join(downloads, name), encoding="utf-8") as f:
            lines = f.read().splitlines()
        check(name.startswith("aggregates-KZ-") and lines[0] == "region,count", f"kk: {name} downloaded")
        sign_out(driver)
        shutil.rmtree(downloads, ignore_errors=True)


def run(backend):
    data_dir = tempfile.mkdtemp(prefix=f"qorgau-console-{backend}-")
    drop = None
    if backend == "sqlite":
        url = f"sqlite://{data_dir}/qorgau.db"
    else:
        url, drop = scratch_postgres()
    proc, base, admin_password = start_server(url, data_dir)
    try:
        api = Api(base)
        made = world(api, admin_password)
        for lang in ["kk", "ru"]:
            walk(base, backend, lang)
        triage_and_decide(base, backend, api, made)
        guards(base, backend, api, made)
        to_closure(base, backend, made)
        aggregates(base, backend)
        administration(base, backend, admin_password)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if drop:
            drop()
        shutil.rmtree(data_dir, ignore_errors=True)


def main():
    os.makedirs(SHOTS, exist_ok=True)
    started = time.time()
    backends = os.environ.get("BACKENDS", "sqlite postgres").split()
    for backend in backends:
        print(f"== {backend}")
        run(backend)
    shots = sorted(f for f in os.listdir(SHOTS) if f.endswith(".png"))
    minor = sum(1 for found in AUDITED.values() for v in found)
    print(f"console browser test: passed on {', '.join(backends)} in {time.time() - started:.0f} s; "
          f"axe-core on {len(AUDITED)} pages (kind and language): 0 serious or critical, {minor} minor "
          f"or moderate; {len(shots)} screenshots in {os.path.relpath(SHOTS, ROOT)}/")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"FAIL: {e}", file=sys.stderr)
        sys.exit(1)
