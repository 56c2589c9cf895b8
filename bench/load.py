"""Throughput under concurrency: 32 clients against a localhost `faqrag serve`.

Each client asks the dev questions in a loop for DURATION seconds (closed
loop: the next question goes when the answer is back). Printed: p50 / p99
latency, questions per second and failed requests, against the floor of
batched encoding (the same ONNX model encoding the dev questions in batches of
32 in this process, the server idle, before and after the load). Then the same load with a rebuild and
swap in the middle (`POST /v1/rebuild` after the corpus gained a paragraph):
no request may fail. The clients run in this process, on the same cores as the
server, so the figures include what they cost.

    .venv/bin/python bench/load.py [WORKERS]
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from common import CORPUS, dev_questions, load, pct, scratch

CLIENTS = 32
DURATION = 20.0
TOKEN = "bench-token"
WORKERS = int(sys.argv[1]) if len(sys.argv) > 1 else 1  # `bench/load.py 2`: two uvicorn workers


def floor_qps(questions: list[str]) -> float:
    from faqrag.onnx_embedder import OnnxEmbedder

    emb = OnnxEmbedder(None)
    emb.encode(questions[:8])
    batch = (questions * 8)[:320]
    t0 = time.perf_counter()
    for _ in range(3):
        emb.encode(batch, batch_size=32)
    return 3 * len(batch) / (time.perf_counter() - t0)


def run_load(port: int, questions: list[str], rebuild_at: float | None) -> dict:
    """CLIENTS threads, each with one keep-alive connection (http.client: an async httpx
    client on these two cores topped out near 230 requests/s even on /v1/health)."""
    latencies: list[float] = []
    failures: list[str] = []
    rebuild: dict = {}
    start = time.perf_counter()
    end = start + DURATION

    def call(conn, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
        res = conn.getresponse()
        return res.status, json.loads(res.read())

    def one_client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        i = n
        while time.perf_counter() < end:
            q = questions[i % len(questions)]
            i += CLIENTS
            t0 = time.perf_counter()
            try:
                status, body = call(conn, "POST", "/v1/ask", {"question": q})
            except (OSError, http.client.HTTPException, ValueError) as err:
                failures.append(repr(err))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            if status != 200 or body.get("question") != q:
                failures.append(f"{status} {str(body)[:120]}")
            else:
                latencies.append((time.perf_counter() - t0) * 1000)
        conn.close()

    def rebuilder() -> None:
        time.sleep(rebuild_at)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        t0 = time.perf_counter()
        status, body = call(conn, "POST", "/v1/rebuild", None, {"Authorization": f"Bearer {TOKEN}"})
        rebuild.update(status=status, seconds=time.perf_counter() - t0, body=body)

    threads = [threading.Thread(target=one_client, args=(n,)) for n in range(CLIENTS)]
    if rebuild_at is not None:
        threads.append(threading.Thread(target=rebuilder))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return {"latencies": latencies, "failures": failures, "qps": len(latencies) / elapsed, "rebuild": rebuild}


def report(name: str, res: dict, floor: float) -> None:
    lat = res["latencies"]
    print(
        f"{name:28}{len(lat):8}{pct(lat, 50):9.1f}{pct(lat, 99):9.1f}{res['qps']:9.1f}"
        f"{res['qps'] / floor:8.2f}x{len(res['failures']):8}"
    )
    for f in res["failures"][:3]:
        print(f"   failure: {f}")


def main() -> None:
    import httpx

    print(f"start: {load()}")
    exe = str(Path(sys.executable).with_name("faqrag"))
    work = scratch()
    corpus, index = work / "corpus", work / "index"
    shutil.copytree(CORPUS, corpus)
    subprocess.run([exe, "build", "--corpus", str(corpus), "--index", str(index)], check=True, capture_output=True)
    questions = [q["question"] for q in dev_questions()]
    floor = floor_qps(questions)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "FAQRAG_API_TOKEN": TOKEN}
    server = subprocess.Popen(
        [exe, "serve", "--index", str(index), "--port", str(port), "--workers", str(WORKERS)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        t0 = time.monotonic()
        while True:
            try:
                if httpx.get(url + "/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() - t0 > 60:
                sys.exit("the server did not start")
            time.sleep(0.05)
        for q in questions[:8]:
            httpx.post(url + "/v1/ask", json={"question": q}, timeout=30)
        floor_before = floor
        plain = run_load(port, questions, None)
        with (corpus / "rakuten-rewards-help.txt").open("a", encoding="utf-8") as fh:
            fh.write("\n\nBench Notes\n\nThis paragraph was added by the load benchmark to force a rebuild.\n")
        swapped = run_load(port, questions, DURATION / 2)
        info = httpx.get(url + "/v1/info", timeout=30).json()
    finally:
        server.terminate()
        server.wait(10)
    floor = (floor_before + floor_qps(questions)) / 2  # measured before and after, server idle

    print(f"\n{CLIENTS} concurrent clients x {DURATION:.0f} s, dev questions, {WORKERS} uvicorn worker(s) on localhost")
    print(f"floor: batched encoding (ONNX, batches of 32, in process, mean of before and after) {floor:.1f} q/s")
    print(f"{'':28}{'answers':>8}{'p50 ms':>9}{'p99 ms':>9}{'q/s':>9}{'/floor':>9}{'failed':>8}")
    report("load", plain, floor)
    report("load + rebuild and swap", swapped, floor)
    rb = swapped["rebuild"]
    print(
        f"rebuild: HTTP {rb.get('status')} in {rb.get('seconds', 0):.1f} s, "
        f"{rb.get('body', {}).get('embedded')} views embedded; swaps seen by the server: {info['swaps']}"
    )
    print(f"end: {load()}")


if __name__ == "__main__":
    main()
