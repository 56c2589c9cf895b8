"""The help widget on a page of another origin, as a visitor meets it: `faqrag serve`
with --cors-origin on one port, a plain page with the one-line embed on another,
headless Chromium between them. Asked by keyboard, answered, told "No" (the way to
a person follows, logged as a hand-off), a decline with topics, Escape to close.
Screenshots go to tests/e2e/artifacts/."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

import pytest
from test_browser import (
    ARTIFACTS,
    CHROME_ARGS,
    CHROMEDRIVER,
    CHROMIUM,
    CORPUS,
    COVERED,
    UNCOVERED,
    _free_port,
    _require_browser,
)

pytestmark = pytest.mark.e2e

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme help site</title>
<style>body {{ font: 16px/1.5 Georgia, serif; margin: 40px; color: #222; }} h1 {{ color: #7a1f1f; }}</style>
</head><body>
<h1>Acme help site</h1>
<p>Any page of a help site, on its own origin. The widget below comes from the faqrag server with one tag.</p>
<p><a href="#top">A link before the widget</a></p>
<script src="{server}/widget.js" async></script>
</body></html>
"""


def _wait_http(url: str, proc: subprocess.Popen, log, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{proc.args[:4]} exited with code {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"{url} did not answer within {timeout:.0f} s; see {log}")


@pytest.fixture(scope="module")
def site(request, tmp_path_factory):
    """(the host page's URL, the server's URL, the question log)."""
    _require_browser()
    real_index = request.getfixturevalue("real_index")
    ARTIFACTS.mkdir(exist_ok=True)
    api_port, page_port = _free_port(), _free_port()
    server, origin = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{page_port}"
    folder = tmp_path_factory.mktemp("help-site")
    (folder / "index.html").write_text(HOST_PAGE.format(server=server), encoding="utf-8")
    log_db = folder.parent / "widget-logs.db"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "FAQRAG_LOG": str(log_db)}
    api_cmd = [sys.executable, "-m", "faqrag.cli", "serve", "--index", str(real_index), "--corpus", str(CORPUS)]
    api_cmd += ["--port", str(api_port), "--cors-origin", origin]
    page_cmd = [sys.executable, "-m", "http.server", str(page_port), "--bind", "127.0.0.1", "--directory", str(folder)]
    with (ARTIFACTS / "widget-server.log").open("w") as log:
        api = subprocess.Popen(api_cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        page = subprocess.Popen(page_cmd, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_http(f"{server}/v1/health", api, log.name)
            _wait_http(f"{origin}/index.html", page, log.name)
            yield f"{origin}/index.html", server, log_db
        finally:
            for proc in (api, page):
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


@pytest.fixture(scope="module")
def driver(site, tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SE_OFFLINE", "true")
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for arg in (*CHROME_ARGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-widget')}"):
            options.add_argument(arg)
        d = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
        d.set_window_size(1366, 768)
        try:
            yield d
        finally:
            d.quit()


def _root(d):
    return d.execute_script("return document.querySelector('[data-faqrag-widget]').shadowRoot")


def _focused(d) -> str:
    """What has the keyboard inside the widget: its id, else its class."""
    return d.execute_script(
        "const a = document.querySelector('[data-faqrag-widget]').shadowRoot.activeElement;"
        "return a ? (a.id || a.className) : '';"
    )


def _log_text(d) -> str:
    return d.execute_script(
        "return document.querySelector('[data-faqrag-widget]').shadowRoot.querySelector('.fq-log').innerText"
    )


def _until(predicate, timeout: float = 60):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(None, timeout, poll_frequency=0.2).until(lambda _d: predicate())


def test_a_visitor_uses_the_widget_on_another_sites_page_by_keyboard(site, driver):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    page, server, log_db = site
    driver.get(page)
    _until(lambda: driver.execute_script("return !!document.querySelector('[data-faqrag-widget]')"), 30)
    root = _root(driver)
    launcher = root.find_element(By.CSS_SELECTOR, ".fq-launcher")
    panel = root.find_element(By.CSS_SELECTOR, "#fq-panel")
    assert launcher.get_attribute("aria-expanded") == "false" and not panel.is_displayed()

    # Keyboard only: Tab past the page's own link to the launcher, Enter opens it with the box focused.
    for _ in range(6):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        if _focused(driver) == "fq-launcher":
            break
    assert _focused(driver) == "fq-launcher"
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    _until(lambda: panel.is_displayed() and _focused(driver) == "fq-q", 10)
    assert launcher.get_attribute("aria-expanded") == "true"
    assert (
        panel.get_attribute("role") == "dialog"
        and root.find_element(By.CSS_SELECTOR, ".fq-log").get_attribute("aria-live") == "polite"
    )

    ActionChains(driver).send_keys(COVERED, Keys.ENTER).perform()
    _until(lambda: "0800-048-0888" in _log_text(driver))
    card = root.find_elements(By.CSS_SELECTOR, "article.fq-bot")[-1]
    assert "Source:" in card.text and "Did this answer your question?" in card.text
    assert card.find_element(By.CSS_SELECTOR, ".fq-notice").text  # the document's notice
    number = card.find_element(By.CSS_SELECTOR, ".fq-nowrap")
    assert number.text == "0800-048-0888" and number.value_of_css_property("white-space") == "nowrap"
    time.sleep(0.3)
    driver.save_screenshot(str(ARTIFACTS / "widget-answer-1366x768.png"))

    # "No": thanks, and the way to a person, logged as a hand-off against this answer.
    card.find_elements(By.CSS_SELECTOR, ".fq-feedback button")[1].click()
    _until(lambda: "Need a person?" in _log_text(driver), 15)
    assert "Thanks, your feedback was noted." in _log_text(driver)
    time.sleep(0.3)
    driver.save_screenshot(str(ARTIFACTS / "widget-handoff-1366x768.png"))

    # A question the guide does not cover: plain, with topics to click, and the way to a person.
    box = root.find_element(By.CSS_SELECTOR, "#fq-q")
    box.send_keys(UNCOVERED, Keys.ENTER)
    _until(lambda: len(root.find_elements(By.CSS_SELECTOR, "article.fq-declined")) == 1)
    declined = root.find_element(By.CSS_SELECTOR, "article.fq-declined")
    assert "does not cover this question" in declined.text and "Did this answer" not in declined.text
    assert "Need a person?" in declined.text
    topics = declined.find_elements(By.CSS_SELECTOR, ".fq-topic")
    assert topics
    time.sleep(0.3)
    driver.save_screenshot(str(ARTIFACTS / "widget-decline-1366x768.png"))
    before = len(root.find_elements(By.CSS_SELECTOR, "article"))
    topics[0].click()  # a topic asks itself
    _until(lambda: len(root.find_elements(By.CSS_SELECTOR, "article")) == before + 1)

    # Escape closes the panel and gives the keyboard back to the launcher.
    ActionChains(driver).send_keys(Keys.ESCAPE).perform()
    _until(lambda: not panel.is_displayed() and _focused(driver) == "fq-launcher", 10)

    # The feedback and the hand-off reached the question log, against the right question.
    import sqlite3

    def logged():
        with sqlite3.connect(log_db) as db:
            return db.execute(
                "SELECT f.helpful, h.target IS NOT NULL FROM questions q JOIN feedback f ON f.question_id = q.id "
                "LEFT JOIN handoffs h ON h.question_id = q.id WHERE q.question = ?",
                (COVERED,),
            ).fetchall()

    _until(lambda: logged() == [(0, 1)], 15)


def test_the_widget_is_refused_by_a_server_not_told_of_the_pages_origin(site, driver):
    """Without --cors-origin for a page, its browser may not read the answers: the widget says
    it cannot reach the server, in one line, instead of failing silently."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    page, server, _ = site
    other = page.replace("127.0.0.1", "localhost")  # the same page from an origin the server was not told of
    driver.get(other)
    _until(lambda: driver.execute_script("return !!document.querySelector('[data-faqrag-widget]')"), 30)
    root = _root(driver)
    root.find_element(By.CSS_SELECTOR, ".fq-launcher").click()
    root.find_element(By.CSS_SELECTOR, "#fq-q").send_keys(COVERED, Keys.ENTER)
    _until(lambda: root.find_elements(By.CSS_SELECTOR, ".fq-error"), 20)
    assert "Cannot reach the help server" in root.find_element(By.CSS_SELECTOR, ".fq-error").text
