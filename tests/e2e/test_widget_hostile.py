"""The help widget against answers and servers it cannot trust, by class: markup and
script in every text an answer carries, links that are not web or mail addresses, a
server that fails (an HTML error page, a JSON error holding markup, a dropped
connection), a server that never answers, feedback that cannot be sent, and a long
unbroken answer. The API here is a stub serving the package's own widget files and
answers crafted per question, so no model is loaded; the page comes from another
origin, as on a customer's site."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from test_browser import CHROME_ARGS, CHROMEDRIVER, CHROMIUM, _free_port, _require_browser

from faqrag.serve.widget import asset

pytestmark = pytest.mark.e2e

MARKUP = '<img src=x onerror="window.top.__pwned=1"><script>window.top.__pwned=2</script>'
BAD_LINKS = (
    "javascript:window.top.__pwned=3",
    " JaVaScRiPt:window.top.__pwned=4",
    "\tjavascript:window.top.__pwned=5",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/",
)
LONG = "x" * 150_000 + "@" + "y" * 200  # no space, no dot after the @: the worst case for a run pattern
SLOW_S = 6
# Whole addresses (linked) beside cut and odd ones (kept as text).
MAIL_TEXT = (
    "Write to support@help.example. Or (global.team@help.example), "
    "\u201cx+y@help.example\u201d; cut: sup@help.exa\u2026 " + "z" * 70 + "@help.example a@b?x=<b>@c.example"
)


def _answer(question: str, **answer) -> dict:
    base = {"text": f"{MARKUP} Call 0800-048-0888.", "source": MARKUP, "kind": "faq", "doc": "d.txt",
            "chunk_id": "c1", "span": [0, 1], "question_answered": MARKUP, "url": BAD_LINKS[0]}  # fmt: skip
    return {"question": question, "abstained": False, "confidence": 0.9, "answer": {**base, **answer},
            "passages": [], "faq": [], "suggestions": [], "notice": MARKUP, "read_as": MARKUP, "timings_ms": {},
            "handoff": None, "weak_support": [], "ref": "ref-for-tests-1"}  # fmt: skip


def _reply(question: str) -> tuple[int, bytes, str]:
    """(status, body, content type) for a question: the first word picks the case."""
    word, link = question.split()[0], BAD_LINKS[len(question) % len(BAD_LINKS)]
    if word == "decline":
        handoff = {"kind": "section", "target": "c9", "label": MARKUP, "text": MARKUP, "url": link}
        body = {**_answer(question), "abstained": True, "answer": None, "handoff": handoff,
                "suggestions": [MARKUP, "javascript:alert(1)", "</script><script>window.top.__pwned=6</script>"]}  # fmt: skip
    elif word in ("link", "email"):
        handoff = {"kind": word, "target": link if word == "link" else f"x@y.example?body={MARKUP}",
                   "label": MARKUP, "text": "", "url": link}  # fmt: skip
        body = {**_answer(question, url=link), "abstained": True, "answer": None, "handoff": handoff}
    elif word == "html500":
        return 500, f"<h1>Internal error</h1>{MARKUP}".encode(), "text/html"
    elif word == "json500":
        return 500, json.dumps({"error": MARKUP}).encode(), "application/json"
    elif word == "html200":  # a proxy's page in place of the API's answer
        return 200, f"<h1>Sign in</h1>{MARKUP}".encode(), "text/html"
    elif word == "other200":
        return 200, json.dumps({"answers": [], "note": MARKUP}).encode(), "application/json"
    elif word == "mail":
        body = _answer(question, text=MAIL_TEXT)
    elif word == "long":
        body = _answer(question, text=LONG)
    elif word == "nofeedback":
        body = {**_answer(question), "ref": "ref-that-fails", "handoff": {"kind": "link",
                "target": "https://help.example/contact", "label": "Contact the help team", "text": "", "url": None}}  # fmt: skip
    else:
        body = _answer(question)
    return 200, json.dumps(body).encode(), "application/json"


class Stub(BaseHTTPRequestHandler):
    origin = ""
    asked: list[dict] = []  # the bodies of POST /v1/ask

    def log_message(self, *_args):
        pass

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Access-Control-Allow-Origin", self.origin)
        self.send_header("Access-Control-Allow-Headers", "Content-Type")
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_OPTIONS(self):
        self._send(204, b"", "text/plain")

    def do_GET(self):
        if self.path.startswith("/widget.js"):
            self._send(200, asset("widget.js"), "text/javascript")
        elif self.path.startswith("/widget.css"):
            self._send(200, asset("widget.css"), "text/css")
        elif self.path.startswith("/page"):  # the customer's page, on this origin
            timeout = ' data-timeout="2"' if "timeout" in self.path else ""
            tag = f'<script src="{self.server.api}/widget.js"{timeout} async></script>'
            self._send(200, f"<!doctype html><title>Shop</title><h1>Shop</h1>{tag}".encode(), "text/html")
        else:
            self._send(404, b"{}", "application/json")

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
        if self.path == "/v1/feedback":
            if body.get("ref") == "ref-that-fails":
                self._send(503, b'{"error": "the index is still loading; retry in a moment"}', "application/json")
            else:  # as faqrag serve: after a "No", the way to a person
                handoff = None if body.get("helpful") else {"kind": "link", "target": "https://help.example/contact",
                                                          "label": "Write to the help team", "text": "", "url": None}  # fmt: skip
                self._send(202, json.dumps({"recorded": True, "handoff": handoff}).encode(), "application/json")
            return
        Stub.asked.append(body)
        question = body.get("question", "")
        if question.startswith("drop"):
            self.close_connection = True
            return
        if question.startswith("slow"):
            time.sleep(SLOW_S)
        self._send(*_reply(question))


class Quiet(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a browser that gave up on a slow answer closed its end: nothing to report


def _serve(api: str = "") -> tuple[ThreadingHTTPServer, str]:
    server = Quiet(("127.0.0.1", _free_port()), Stub)
    server.api = api
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def pages():
    _require_browser()
    api, api_url = _serve()
    site, site_url = _serve(api_url)
    Stub.origin = site_url
    try:
        yield site_url
    finally:
        for s in (api, site):
            s.shutdown()


@pytest.fixture(scope="module")
def driver(pages, tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SE_OFFLINE", "true")
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for arg in (*CHROME_ARGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-hostile')}"):
            options.add_argument(arg)
        d = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
        d.set_window_size(1366, 768)
        d.set_script_timeout(60)
        try:
            yield d
        finally:
            d.quit()


def _open(d, url: str):
    from selenium.webdriver.common.by import By

    d.get(url)
    _until(lambda: d.execute_script("return !!document.querySelector('[data-faqrag-widget]')"), 20)
    root = d.execute_script("return document.querySelector('[data-faqrag-widget]').shadowRoot")
    root.find_element(By.CSS_SELECTOR, ".fq-launcher").click()
    return root


def _until(predicate, timeout: float = 20):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(None, timeout, poll_frequency=0.1).until(lambda _d: predicate())


def _ask(root, question: str, timeout: float = 20):
    """Ask and wait until the widget is ready again; the last thing it said."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    before = len(root.find_elements(By.CSS_SELECTOR, ".fq-log > *"))
    root.find_element(By.CSS_SELECTOR, "#fq-q").send_keys(question, Keys.ENTER)
    _until(
        lambda: (
            len(root.find_elements(By.CSS_SELECTOR, ".fq-log > *")) >= before + 2
            and not root.find_elements(By.CSS_SELECTOR, ".fq-wait")
        ),
        timeout,
    )
    return root.find_elements(By.CSS_SELECTOR, ".fq-log > *")[-1]


def _hrefs(d) -> list[str]:
    return d.execute_script(
        "return [...document.querySelector('[data-faqrag-widget]').shadowRoot.querySelectorAll('a')]"
        ".map(a => a.getAttribute('href'))"
    )


@pytest.mark.parametrize(
    "question", ["answer 1", "decline 12", "decline 123", "link 1234", "link 12345", "email 1", "answer 1234567"]
)
def test_markup_and_odd_links_in_an_answer_are_shown_as_text_and_never_linked(pages, driver, question):
    from selenium.webdriver.common.by import By

    root = _open(driver, f"{pages}/page")
    said = _ask(root, question)
    for b in said.find_elements(By.CSS_SELECTOR, ".fq-feedback button"):
        if b.text == "No":
            b.click()  # the hand-off that follows a "No" is drawn too
            _until(lambda: "Thanks" in root.find_element(By.CSS_SELECTOR, ".fq-log").text)
    for t in said.find_elements(By.CSS_SELECTOR, ".fq-topic")[:2]:
        t.click()  # a topic is asked as text
        time.sleep(0.3)
    text = root.find_element(By.CSS_SELECTOR, ".fq-log").text
    assert "<img src=x" in text or question.startswith(("link", "email"))  # shown literally
    assert driver.execute_script("return window.__pwned === undefined")
    assert not root.find_elements(By.CSS_SELECTOR, ".fq-log img, .fq-log script")
    assert all(h.startswith(("https://", "http://", "mailto:")) for h in _hrefs(driver)), _hrefs(driver)
    assert Stub.asked[-1]["k"] == 1  # it shows no passages, so it asks for no more than one
    if question.startswith("link"):  # a hand-off with no address it may link is not offered empty
        assert "Need a person?" not in text


def test_only_whole_email_addresses_in_an_answer_are_mailto_links(pages, driver):
    from selenium.webdriver.common.by import By

    root = _open(driver, f"{pages}/page")
    card = _ask(root, "mail me")
    links = [(a.get_attribute("href"), a.text) for a in card.find_elements(By.CSS_SELECTOR, ".fq-answer a")]
    assert links == [
        (f"mailto:{a}", a) for a in ("support@help.example", "global.team@help.example", "x+y@help.example")
    ]
    text = card.find_element(By.CSS_SELECTOR, ".fq-answer").text
    assert "support@help.example. Or (global.team@help.example)," in text  # stops and brackets stay text
    assert "sup@help.exa\u2026" in text and "a@b?x=<b>@c.example" in text  # shown, not linked


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("html500 x", "the help server answered HTTP 500"),
        ("json500 x", "<img src=x"),  # the server's own message, as text
        ("drop x", "Cannot reach the help server"),
        ("html200 x", "a reply that is not JSON"),
        ("other200 x", "a reply that is not an answer"),
    ],
)
def test_a_failing_server_is_one_line_and_the_widget_stays_usable(pages, driver, question, said):

    root = _open(driver, f"{pages}/page")
    last = _ask(root, question)
    assert last.get_attribute("role") == "alert" and said in last.text and "\n" not in last.text
    assert driver.execute_script("return window.__pwned === undefined")
    assert _ask(root, "answer again").tag_name == "article"  # asks again at once


def test_a_server_that_does_not_answer_in_time_frees_the_widget(pages, driver):
    from selenium.webdriver.common.by import By

    root = _open(driver, f"{pages}/page?timeout")  # data-timeout="2"; the stub takes 6 s
    last = _ask(root, "slow one", timeout=SLOW_S - 1)
    assert last.get_attribute("role") == "alert" and "did not answer within 2 s" in last.text
    assert root.find_element(By.CSS_SELECTOR, ".fq-ask").is_enabled()


def test_a_no_that_cannot_be_sent_still_shows_the_way_to_a_person(pages, driver):
    from selenium.webdriver.common.by import By

    root = _open(driver, f"{pages}/page")
    card = _ask(root, "nofeedback 1")
    [no] = [b for b in card.find_elements(By.CSS_SELECTOR, ".fq-feedback button") if b.text == "No"]
    no.click()
    _until(lambda: "Need a person?" in root.find_element(By.CSS_SELECTOR, ".fq-log").text, 10)
    log = root.find_element(By.CSS_SELECTOR, ".fq-log").text
    assert "Contact the help team" in log and "could not be sent" in log
    assert "https://help.example/contact" in _hrefs(driver)


def test_a_long_unbroken_answer_is_drawn_without_freezing_the_page(pages, driver):
    """150,000 characters with no space. The number-and-address pattern took time quadratic
    in such a run, on the host page's own thread (40,000 characters: 4.8 s; this one well
    over 10 s); bounded runs take milliseconds. The bound here only tells a freeze from
    a drawing: a page blocked that long is a page that hung."""
    from selenium.webdriver.common.by import By

    root = _open(driver, f"{pages}/page")
    started = time.monotonic()
    card = _ask(root, "long answer", timeout=60)
    assert time.monotonic() - started < 10
    assert card.tag_name == "article" and LONG[:100] in card.find_element(By.CSS_SELECTOR, ".fq-answer").text
    width = driver.execute_script(
        "const l = document.querySelector('[data-faqrag-widget]').shadowRoot.querySelector('.fq-log');"
        "return l.scrollWidth - l.clientWidth;"
    )
    assert width <= 1  # wrapped inside the panel, no sideways scrolling


@pytest.mark.parametrize(("button", "then"), [("No", "A:Write to the help team"), ("Yes", "INPUT:")])
def test_feedback_by_keyboard_leaves_the_keyboard_in_the_widget(pages, driver, button, then):
    """The button pressed is replaced by the thanks: the keyboard goes on to the way to a
    person after "No", back to the question box after "Yes", never to the page's body."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    def focused():
        return driver.execute_script(
            "const a = document.querySelector('[data-faqrag-widget]').shadowRoot.activeElement;"
            "return a ? a.tagName + ':' + a.textContent : 'page:' + document.activeElement.tagName;"
        )

    root = _open(driver, f"{pages}/page")
    _ask(root, "answer by keyboard")
    for _ in range(4):  # back from the box to the answer's buttons
        ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
        if focused() == f"BUTTON:{button}":
            break
    assert focused() == f"BUTTON:{button}"
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    _until(lambda: focused() == then, 10)
    ActionChains(driver).send_keys(Keys.ESCAPE).perform()  # still the panel's keys
    _until(lambda: focused() == "BUTTON:Help", 10)
