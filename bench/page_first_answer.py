"""Time from starting the page server to the first answer a visitor sees.

Starts ``streamlit run app.py`` (headless, on a free localhost port), opens the
page in headless Chromium as soon as the server answers, types a question,
presses Enter and waits for the answer. Prints the server start-up, the first
page load (index and model load included) and the first answer, each counted
from the moment the server process started; then a second, warm question.
Bounded: gives up after --timeout seconds (120 by default).

    .venv/bin/python bench/page_first_answer.py [--index DIR] [--screenshot out.png] [--window 1366,768]

Without --index the guide in corpus/ is built into a temporary folder first
(not counted). Needs /usr/bin/chromium and /usr/bin/chromedriver.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from common import CORPUS, REPO, fresh_index, load

QUESTION = "What is the support number in the UK?"
EXPECT = "Source:"  # on the answer card, whatever the answer
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not answer in time")


def browser(window: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never download a browser or driver
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run "
        "--disable-background-networking --disable-component-update --disable-sync"
    ).split() + [f"--window-size={window}", f"--user-data-dir={tempfile.mkdtemp(prefix='faqrag-chromium-')}"]:
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)


def ask(driver, question: str, timeout: float) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    box = WebDriverWait(driver, timeout).until(
        lambda d: d.find_element(By.CSS_SELECTOR, 'input[aria-label="Your question"]')
    )
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.DELETE)
    box.send_keys(question + Keys.ENTER)
    WebDriverWait(driver, timeout).until(
        lambda d: EXPECT in d.find_element(By.TAG_NAME, "body").text and "Running" not in d.title
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, help="an index built from corpus/ (default: build one now)")
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--window", default="1366,768", help="browser window size, WIDTH,HEIGHT")
    ap.add_argument("--screenshot", type=Path, help="save the page with its first answer here")
    ap.add_argument("--question", default=QUESTION)
    args = ap.parse_args()
    print(f"start: {load()}")
    index = args.index or fresh_index()[0]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "FAQRAG_INDEX": str(index), "FAQRAG_CORPUS": str(CORPUS)}
    cmd = [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.port", str(port)]
    cmd += "--server.headless true --server.address 127.0.0.1 --server.fileWatcherType none".split()
    cmd += "--browser.gatherUsageStats false --client.toolbarMode minimal".split()
    log = tempfile.TemporaryFile()
    t0 = time.monotonic()
    deadline = t0 + args.timeout
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    driver = None
    try:
        wait_healthy(url, proc, deadline)
        healthy = time.monotonic() - t0
        driver = browser(args.window)
        driver.set_page_load_timeout(max(1.0, deadline - time.monotonic()))
        driver.get(url)
        ask(driver, args.question, max(1.0, deadline - time.monotonic()))
        first = time.monotonic() - t0
        if args.screenshot:
            time.sleep(0.5)  # let the rerun finish painting
            driver.save_screenshot(str(args.screenshot))
        t1 = time.monotonic()
        ask(driver, "What are the support hours in Australia?", max(1.0, deadline - time.monotonic()))
        warm = time.monotonic() - t1
    finally:
        if driver is not None:
            driver.quit()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    print(f"server answering its health check: {healthy:6.2f} s after start")
    print(f"first answer on the page:          {first:6.2f} s after start (page load, index and model load included)")
    print(f"a second question, warm:           {warm:6.2f} s after Enter")
    print(f"end: {load()}")
    if args.screenshot:
        print(f"screenshot: {args.screenshot}")


if __name__ == "__main__":
    main()
