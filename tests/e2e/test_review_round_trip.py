"""One review round trip in headless Chromium, on copies of the guide and its index:
/review opened first on a fresh server (named pages, the index in the sidebar), a
declined question reviewed with a new FAQ entry (empty box, preview, nothing
pre-selected), applied and swapped in (the result where the maintainer looks), the
question answered from the entry, then the review undone and the question declined
again. Screenshots go to tests/e2e/artifacts/."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pytest
from test_browser import (
    ADMIN_PASSWORD,
    ARTIFACTS,
    CHROME_ARGS,
    CHROMEDRIVER,
    CHROMIUM,
    CORPUS,
    ROOT,
    SERVER_FLAGS,
    _free_port,
    _page_text,
    _require_browser,
    _wait_healthy,
)

pytestmark = pytest.mark.e2e

QUESTION = "How do I bake sourdough bread at home?"
ANSWER = "This guide is about rewards and support lines; for recipes, see a baking site."


@pytest.fixture(scope="module")
def review_site(request, tmp_path_factory):
    _require_browser()
    real_index = request.getfixturevalue("real_index")
    ARTIFACTS.mkdir(exist_ok=True)
    work = tmp_path_factory.mktemp("round-trip")
    shutil.copytree(CORPUS, work / "corpus")
    shutil.copytree(real_index, work / "index")
    (work / "sets.json").write_text("[]", encoding="utf-8")  # only the reviewed set is checked: quick
    port = _free_port()
    env = {
        **os.environ,
        "FAQRAG_INDEX": str(work / "index"),
        "FAQRAG_CORPUS": str(work / "corpus"),
        "FAQRAG_REVIEWED": str(work / "reviewed.jsonl"),
        "FAQRAG_SETS": str(work / "sets.json"),
        "FAQRAG_LOG": str(work / "logs.db"),
        "FAQRAG_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "HF_HUB_OFFLINE": "1",
    }
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port), *SERVER_FLAGS]
    with (ARTIFACTS / "streamlit-review.log").open("w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_healthy(url, proc)
            yield url, work
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def chromium(review_site, tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SE_OFFLINE", "true")
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for arg in (*CHROME_ARGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-review')}"):
            options.add_argument(arg)
        d = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
        d.set_window_size(1366, 768)
        try:
            yield d
        finally:
            d.quit()


def _wait(d, predicate, timeout: float = 90):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(d, timeout, poll_frequency=0.25).until(lambda _d: predicate())


def _has_all(text: str, *parts: str) -> bool:
    return all(p in text for p in parts)


def _button(d, label: str):
    from selenium.webdriver.common.by import By

    found = [b for b in d.find_elements(By.TAG_NAME, "button") if b.text.strip() == label and b.is_displayed()]
    assert found, f"no button {label!r}"
    return found[0]


def _drawn_button(d, label: str):
    """The button once the page has drawn it (a rerun under load draws the text above it first)."""
    from selenium.common.exceptions import StaleElementReferenceException

    def found():
        try:
            return _button(d, label)
        except (AssertionError, StaleElementReferenceException):
            return None

    return _wait(d, found, 60)


def _click(d, label: str) -> None:
    from selenium.common.exceptions import ElementClickInterceptedException, StaleElementReferenceException

    for attempt in range(5):  # a rerun may replace the button between finding and clicking it
        b = _drawn_button(d, label)
        try:
            d.execute_script("arguments[0].scrollIntoView({block: 'center'});", b)
            time.sleep(0.2)
            b.click()
            return
        except (StaleElementReferenceException, ElementClickInterceptedException):
            if attempt == 4:
                raise
            time.sleep(0.5)


def _nav(d, page: str) -> None:
    """Go to a page through the sidebar, keeping the session (and the sign-in)."""
    from selenium.webdriver.common.by import By

    [link] = [a for a in d.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebarNav"] a') if page in a.text]
    link.click()


def _ask(d, question: str, expect: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = _wait(d, lambda: d.find_element(By.CSS_SELECTOR, 'input[aria-label="Your question"]'))
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.DELETE)
    box.send_keys(question, Keys.ENTER)
    _wait(d, lambda: expect in _page_text(d))


def _in_view(d, text: str) -> bool:
    return d.execute_script(
        "const t = arguments[0]; const all = [...document.querySelectorAll('[data-testid=\"stAlertContainer\"]')];"
        "const e = all.find(x => x.innerText.includes(t)); if (!e) return false;"
        "const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight;",
        text,
    )


def test_a_review_round_trip_in_the_browser(review_site, chromium):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, work = review_site
    d = chromium
    # First visit after a start, straight to /review: named pages and the index in the sidebar.
    d.get(f"{url}/review")
    box = _wait(d, lambda: d.find_element(By.CSS_SELECTOR, 'input[aria-label="Maintainer password"]'))
    nav = d.find_element(By.CSS_SELECTOR, '[data-testid="stSidebarNav"]').text
    assert "Ask the guide" in nav and "Review questions" in nav and "app" not in nav.split()
    assert "Documents:" in d.find_element(By.CSS_SELECTOR, '[data-testid="stSidebar"]').text
    box.send_keys(ADMIN_PASSWORD, Keys.ENTER)
    _wait(d, lambda: "Nothing to review" in _page_text(d))

    _nav(d, "Ask the guide")
    _ask(d, QUESTION, "does not cover")
    _nav(d, "Review questions")
    _wait(d, lambda: QUESTION in _page_text(d))
    time.sleep(0.5)
    d.save_screenshot(str(ARTIFACTS / "review-queue-1366x768.png"))
    [closest] = [g for g in d.find_elements(By.CSS_SELECTOR, '[data-testid="stRadio"]') if "Closest" in g.text]
    assert not any(i.is_selected() for i in closest.find_elements(By.CSS_SELECTOR, 'input[type="radio"]'))
    assert not _button(d, "Link these questions to this answer").is_enabled()  # nothing chosen for the maintainer

    # A new FAQ entry: empty until the maintainer starts from the visitor's words; previewed before it is added.
    d.find_element(By.XPATH, "//summary[contains(., 'Write a new FAQ entry instead')]").click()
    question_box = _wait(d, lambda: d.find_element(By.CSS_SELECTOR, 'input[aria-label="Question"]'))
    assert question_box.get_attribute("value") == ""
    _click(d, "Start from the visitor's question")
    _wait(d, lambda: d.find_element(By.CSS_SELECTOR, 'input[aria-label="Question"]').get_attribute("value") == QUESTION)
    answer_box = d.find_element(By.CSS_SELECTOR, 'textarea[aria-label="Answer"]')
    answer_box.send_keys(ANSWER, Keys.CONTROL, Keys.ENTER)
    # One read for both: a rerun may redraw the page between two reads.
    _wait(d, lambda: _has_all(_page_text(d), "As visitors will see it:", "Source: Help team answers"))
    _click(d, "Add this entry")
    _wait(d, lambda: "Added a new FAQ entry to Help team answers" in _page_text(d))

    _click(d, "Apply reviews")
    _wait(d, lambda: "Swap in the new index" in _page_text(d), 180)
    text = _page_text(d)
    assert f"better: \u201c{QUESTION}\u201d" in text and str(work) not in text
    d.execute_script("arguments[0].scrollIntoView({block: 'center'});", _drawn_button(d, "Swap in the new index"))
    time.sleep(0.5)
    d.save_screenshot(str(ARTIFACTS / "review-apply-1366x768.png"))
    _click(d, "Swap in the new index")
    _wait(d, lambda: "The new index is live." in _page_text(d), 60)
    # Shown where the button was, not at the top out of view (the page may still be settling).
    _wait(d, lambda: _in_view(d, "The new index is live."), 30)
    d.save_screenshot(str(ARTIFACTS / "review-live-1366x768.png"))

    _nav(d, "Ask the guide")
    _ask(d, QUESTION, "Help team answers")
    assert ANSWER in _page_text(d)

    # Undo: the entry and its labelled question go; the question is declined again once applied.
    _nav(d, "Review questions")
    _wait(d, lambda: "Reviews so far" in _page_text(d))
    _click(d, "Undo")
    _wait(d, lambda: "Undone: New FAQ entry" in _page_text(d))
    assert not (work / "corpus" / "reviewed-faq.csv").exists()
    assert (work / "reviewed.jsonl").read_text(encoding="utf-8") == ""
    _click(d, "Apply reviews")
    _wait(d, lambda: "Swap in the new index" in _page_text(d), 180)
    _click(d, "Swap in the new index")
    _wait(d, lambda: "The new index is live." in _page_text(d), 60)
    _nav(d, "Ask the guide")
    _ask(d, QUESTION, "does not cover")
    rows = [json.loads(x) for x in (work / "reviewed.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows == []
