"""Throughput under concurrency: 32 clients against a localhost `faqrag serve`.

Each client asks the dev questions in a loop for DURATION seconds (closed
loop: the next question goes when the answer is back). Printed: p50 / p99
latency, questions per second and failed requests, against the floor of
batched encoding (the same ONNX model encoding the dev questions in batches of
32 in this process, the server idle, before and after the load). Then the same load with a rebuild and
swap in the middle (`POST /v1/rebuild` after the corpus gained a paragraph):
no request may fail. The clients run in this process, on the same cores as the
server, so the figures include what they cost; the CPU each side used per answer
is printed too, and what other processes on the machine used meanwhile. A third
run adds hostile clients beside the 32: 500 silent sockets, 20 bodies sent a byte
every 2 s and 20 clients that send 500 questions at once and read no answer;
what the server did with them is counted.

    .venv/bin/python bench/load.py [WORKERS]

LOAD_SERVE_SETTINGS=FILE passes a server settings file (`faqrag serve
--serve-settings`), to compare encoders, batch waits and batch sizes.
"""

from __future__ import annotations

import asyncio
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


def floor_qps(questions: list[str]) -> tuple[float, float]:
    """(questions per second, CPU ms per question) of batched encoding in this process."""
    from faqrag.models.onnx_embedder import OnnxEmbedder

    emb = OnnxEmbedder(None)
    emb.encode(questions[:8])
    batch = (questions * 8)[:320]
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(3):
        emb.encode(batch, batch_size=32)
    n = 3 * len(batch)
    return n / (time.perf_counter() - t0), 1000 * (time.process_time() - c0) / n


def tree_cpu(pid: int) -> float:
    """CPU seconds used so far by a process and its descendants (uvicorn's workers)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            children = [int(c) for c in fh.read().split()]
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") + sum(tree_cpu(c) for c in children)


def machine_cpu() -> float:
    """CPU seconds the whole machine has been busy (all processes, all cores)."""
    with open("/proc/stat") as fh:
        v = [int(x) for x in fh.readline().split()[1:]]
    return (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")


IDLE = 500  # sockets opened and left silent during the hostile run (bounded: localhost only)
TRICKLE = 20  # clients sending a request body one byte every 2 s
UNREAD = 20  # clients sending UNREAD_REQUESTS questions at once and reading none of the answers
UNREAD_REQUESTS = 500


async def hostile(port: int, end: float, shed: dict) -> None:
    """IDLE silent connections, TRICKLE slow bodies and UNREAD clients that never read
    their answers, held until ``end``; ``shed`` counts those the server closed (or
    answered 408) before then."""

    async def idle() -> None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            shed["refused"] = shed.get("refused", 0) + 1
            return
        try:
            await asyncio.wait_for(reader.read(), max(0.1, end - time.perf_counter()))
            shed["idle closed"] = shed.get("idle closed", 0) + 1
        except (asyncio.TimeoutError, OSError):
            pass
        writer.close()

    async def trickle() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        body = json.dumps({"question": "How do I contact support?"}).encode()
        writer.write(
            f"POST /v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
        )
        try:
            for byte in body:
                if time.perf_counter() > end:
                    break
                writer.write(bytes([byte]))
                await writer.drain()
                try:  # the wait for an answer is the 2 s between bytes
                    got = await asyncio.wait_for(reader.read(12), 2.0) if not reader.at_eof() else b""
                except asyncio.TimeoutError:
                    continue  # (it ended the trickle after one byte, so none lasted to the body deadline)
                key = "slow answered " + got[9:12].decode() if got else "slow closed"
                shed[key] = shed.get(key, 0) + 1
                break
        except OSError:
            shed["slow closed"] = shed.get("slow closed", 0) + 1
        writer.close()

    await asyncio.gather(
        *(idle() for _ in range(IDLE)),
        *(trickle() for _ in range(TRICKLE)),
        *(unread(port, end, shed) for _ in range(UNREAD)),
    )


async def unread(port: int, end: float, shed: dict) -> None:
    """A client that sends UNREAD_REQUESTS questions at once and reads no answer until ``end``."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    body = json.dumps({"question": "How do I contact support?", "k": 50}).encode()
    head = f"POST /v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    writer.write((head.encode() + body) * UNREAD_REQUESTS)
    try:
        await asyncio.wait_for(writer.drain(), max(0.1, end - time.perf_counter()))
        await asyncio.sleep(max(0.0, end - time.perf_counter()))
        # Read now: a server that dropped the connection ends it at once; one that held it
        # sends answers for as long as they are read.
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 3 and await asyncio.wait_for(reader.read(65536), 1.0):
            pass
        key = "unread dropped" if time.perf_counter() - t0 < 3 else "unread held"
    except (asyncio.TimeoutError, OSError):
        key = "unread dropped"
    shed[key] = shed.get(key, 0) + 1
    writer.close()


def run_load(
    port: int, questions: list[str], rebuild_at: float | None, server_pid: int, with_hostile: bool = False
) -> dict:
    """CLIENTS keep-alive connections on one asyncio loop (uvloop when installed), each
    writing a prepared request and reading the answer with no HTTP library: http.client
    threads cost ~0.2 ms of CPU per question on these two cores, a tenth of the
    server's, and an async httpx client topped out near 230 requests/s even on
    /v1/health. Each answer is still parsed and checked to be for its question."""
    latencies: list[float] = []
    failures: list[str] = []
    rebuild: dict = {}
    answers: dict[str, dict] = {}  # the first answer to each question, to hold to the CLI's
    requests = []
    for q in questions:
        body = json.dumps({"question": q}).encode()
        head = f"POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        requests.append(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)

    async def one_client(n: int, end: float) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        i = n
        while time.perf_counter() < end:
            q, request = questions[i % len(questions)], requests[i % len(questions)]
            i += CLIENTS
            t0 = time.perf_counter()
            try:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head[9:12])
                length = int(head.lower().split(b"\r\ncontent-length:", 1)[1].split(b"\r\n", 1)[0])
                body = json.loads(await reader.readexactly(length))
            except (OSError, EOFError, IndexError, ValueError, asyncio.IncompleteReadError) as err:
                failures.append(repr(err))
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            if status != 200 or body.get("question") != q:
                failures.append(f"{status} {str(body)[:120]}")
            else:
                latencies.append((time.perf_counter() - t0) * 1000)
                answers.setdefault(q, body)
        writer.close()

    shed: dict = {}

    async def all_clients() -> None:
        end = time.perf_counter() + DURATION
        extra = [hostile(port, end, shed)] if with_hostile else []
        await asyncio.wait_for(asyncio.gather(*(one_client(n, end) for n in range(CLIENTS)), *extra), DURATION + 60)

    def rebuilder() -> None:
        time.sleep(rebuild_at)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        t0 = time.perf_counter()
        conn.request("POST", "/v1/rebuild", headers={"Authorization": f"Bearer {TOKEN}"})
        res = conn.getresponse()
        rebuild.update(status=res.status, seconds=time.perf_counter() - t0, body=json.loads(res.read()))

    thread = threading.Thread(target=rebuilder) if rebuild_at is not None else None
    if thread:
        thread.start()
    start = time.perf_counter()
    cpu0 = (tree_cpu(server_pid), sum(os.times()[:2]), machine_cpu())
    try:
        import uvloop

        uvloop.run(all_clients())
    except ImportError:
        asyncio.run(all_clients())
    elapsed = time.perf_counter() - start
    server, client, machine = (b - a for a, b in zip(cpu0, (tree_cpu(server_pid), sum(os.times()[:2]), machine_cpu())))
    if thread:
        thread.join()
    n = max(1, len(latencies))
    return {
        "latencies": latencies,
        "failures": failures,
        "qps": len(latencies) / elapsed,
        "rebuild": rebuild,
        "answers": answers,
        "shed": shed,
        "cpu_ms": (1000 * server / n, 1000 * client / n, 1000 * (machine - server - client) / n),
    }


def cli_answers(exe: str, index: Path, questions: list[str]) -> dict[str, dict]:
    """`faqrag ask --json` for each question, without its timings."""
    out = {}
    for q in questions:
        run = subprocess.run([exe, "ask", "--index", str(index), "--json", q], capture_output=True, check=True)
        out[q] = json.loads(run.stdout)
        out[q].pop("timings_ms")
    return out


def same_answers(got: dict[str, dict], want: dict[str, dict]) -> tuple[int, int, int]:
    """(identical, identical to 4 decimals, compared) of answers against the CLI's, timings
    aside: encoding a question in a batch with longer ones (padded to the longest) can
    move a score in its last digits."""

    def rounded(x):
        if isinstance(x, float):
            return round(x, 4)
        if isinstance(x, dict):
            return {k: rounded(v) for k, v in x.items() if k != "timings_ms"}
        return [rounded(v) for v in x] if isinstance(x, list) else x

    exact = sum({k: v for k, v in body.items() if k != "timings_ms"} == want[q] for q, body in got.items())
    alike = sum(rounded(body) == rounded(want[q]) for q, body in got.items())
    return exact, alike, len(got)


def report(name: str, res: dict, floor: float) -> None:
    lat = res["latencies"]
    server, client, other = res["cpu_ms"]
    print(
        f"{name:28}{len(lat):8}{pct(lat, 50):9.1f}{pct(lat, 99):9.1f}{res['qps']:9.1f}"
        f"{res['qps'] / floor:8.2f}x{len(res['failures']):8}{server:9.2f}{client:9.2f}{other:9.2f}"
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
    floor_before = floor_qps(questions)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "FAQRAG_API_TOKEN": TOKEN}
    server = subprocess.Popen(
        [exe, "serve", "--index", str(index), "--port", str(port), "--workers", str(WORKERS)]
        + (["--serve-settings", os.environ["LOAD_SERVE_SETTINGS"]] if os.environ.get("LOAD_SERVE_SETTINGS") else []),
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
        one_by_one = {q: httpx.post(url + "/v1/ask", json={"question": q}, timeout=30).json() for q in questions}
        cli = cli_answers(exe, index, questions)
        plain = run_load(port, questions, None, server.pid)
        with (corpus / "rakuten-rewards-help.txt").open("a", encoding="utf-8") as fh:
            fh.write("\n\nBench Notes\n\nThis paragraph was added by the load benchmark to force a rebuild.\n")
        swapped = run_load(port, questions, DURATION / 2, server.pid)
        info = httpx.get(url + "/v1/info", timeout=30).json()
        rough = run_load(port, questions, None, server.pid, with_hostile=True)
    finally:
        server.terminate()
        server.wait(10)
    floor_after = floor_qps(questions)
    floor = (floor_before[0] + floor_after[0]) / 2  # measured before and after, server idle
    floor_cpu = (floor_before[1] + floor_after[1]) / 2

    print(f"\n{CLIENTS} concurrent clients x {DURATION:.0f} s, dev questions, {WORKERS} uvicorn worker(s) on localhost")
    print(
        f"floor: batched encoding (ONNX, batches of 32, in process, mean of before and after) {floor:.1f} q/s, "
        f"{floor_cpu:.2f} ms of CPU per question"
    )
    print("CPU ms per answer: of the server (all its processes), of the load clients, of anything else running")
    print(
        f"{'':28}{'answers':>8}{'p50 ms':>9}{'p99 ms':>9}{'q/s':>9}{'/floor':>9}{'failed':>8}"
        f"{'server':>9}{'clients':>9}{'others':>9}"
    )
    report("load", plain, floor)
    exact, _, n = same_answers(one_by_one, cli)
    print(f"answers asked one at a time identical to `faqrag ask --json` (but timings): {exact}/{n}")
    exact, alike, n = same_answers(plain["answers"], cli)
    print(f"answers under load identical: {exact}/{n}; identical to 4 decimals: {alike}/{n}")
    report("load + rebuild and swap", swapped, floor)
    rb = swapped["rebuild"]
    print(
        f"rebuild: HTTP {rb.get('status')} in {rb.get('seconds', 0):.1f} s, "
        f"{rb.get('body', {}).get('embedded')} views embedded; swaps seen by the server: {info['swaps']}"
    )
    report(f"load + {IDLE} idle, {TRICKLE}+{UNREAD} slow", rough, floor)
    print(f"idle, slow and unread clients, what the server did with them: {rough['shed']}")
    print(f"end: {load()}")


if __name__ == "__main__":
    main()
