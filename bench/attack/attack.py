#!/usr/bin/env python3
"""The attack run's findings, replayed against a release binary under load (loopback only).

Each scenario starts its own mock, attacks it, prints what it measured and exits non-zero when
the finding is back. The fast checks of the same findings run in `cargo test`
(tests/api/hardening.rs); these need seconds, load or a million visitors.

    python3 bench/attack/attack.py slow-bodies       # 1: slow bodies no longer hold slots
    python3 bench/attack/attack.py journal-memory    # 2: journal listings stay bounded
    python3 bench/attack/attack.py registration      # 3: registrations are capped
    python3 bench/attack/attack.py write-stall       # 5: writes at 1M visitors do not stall readers
    python3 bench/attack/attack.py non-readers       # round 3, 1: clients that stop reading lose their slots
    python3 bench/attack/attack.py text-bodies       # round 3, 2: text bodies are not spread per character
    python3 bench/attack/attack.py stderr-pipe       # round 3, minor 1: an unread stderr does not hold the exit
    python3 bench/attack/attack.py all
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.path.join(ROOT, "target", "release", "livechat-mock")
AGENT = ("rbAXPnMktTFbNpwtJ", "RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f")
INFO = "/api/v1/livechat/visitors.info?visitorId=6a22b1765528fa64dd29de70"


def start(*args):
    """Starts the mock on a free port; returns (process, port)."""
    proc = subprocess.Popen(
        [BINARY, "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = proc.stdout.readline()
    if not line.startswith("listening on "):
        proc.kill()
        sys.exit(f"the mock did not start: {line!r}")
    return proc, int(line.rsplit(":", 1)[1])


def rss_mib(proc):
    with open(f"/proc/{proc.pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def get(port, path, headers=None, timeout=5):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def slow_bodies():
    proc, port = start("--max-connections", "4", "--body-timeout-ms", "2000")
    slow = []
    for _ in range(4):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 100000\r\n\r\n")
        slow.append(s)

    def dribble():
        for _ in range(20):
            for s in slow:
                try:
                    s.sendall(b"{")
                except OSError:
                    pass
            time.sleep(0.5)

    threading.Thread(target=dribble, daemon=True).start()
    time.sleep(0.2)
    started = time.monotonic()
    status, _ = get(port, INFO, {"X-User-Id": AGENT[0], "X-Auth-Token": AGENT[1]}, timeout=10)
    waited = time.monotonic() - started
    proc.kill()
    print(f"slow-bodies: a fifth client was answered {status} after {waited:.2f} s "
          f"(4 slots held by 1-byte-per-0.5 s bodies, --body-timeout-ms 2000)")
    return status == 200 and waited < 5


def journal_memory():
    proc, port = start()
    big = "x" * 15_000
    for _ in range(1000):
        get(port, INFO, {"x-big": big})
    before = rss_mib(proc)
    stalled = []
    for _ in range(150):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /_mock/requests HTTP/1.1\r\nHost: x\r\n\r\n")
        stalled.append(s)  # never read
    time.sleep(3)
    during = rss_mib(proc)
    for s in stalled:
        s.close()
    time.sleep(1)
    after = rss_mib(proc)
    _, body = get(port, "/_mock/requests?limit=1")
    entry = json.loads(body)["requests"][0]
    proc.kill()
    print(f"journal-memory: RSS {before:.0f} MiB before, {during:.0f} MiB with 150 clients not "
          f"reading the listing, {after:.0f} MiB after; entries truncated: {entry['truncated']}")
    return during - before < 256 and entry["truncated"]


def registration():
    proc, port = start("--max-registered-visitors", "100")
    before = rss_mib(proc)
    statuses = {}
    name = "n" * (1024 * 1024)
    for i in range(200):
        body = json.dumps({"visitor": {"token": f"t{i}", "name": name}})
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("POST", "/api/v1/livechat/visitor", body=body,
                     headers={"Content-Type": "application/json"})
        status = conn.getresponse().status
        conn.close()
        statuses[status] = statuses.get(status, 0) + 1
    small = {}
    for i in range(200):
        body = json.dumps({"visitor": {"token": f"s{i}", "name": "n" * 1000}})
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("POST", "/api/v1/livechat/visitor", body=body,
                     headers={"Content-Type": "application/json"})
        status = conn.getresponse().status
        conn.close()
        small[status] = small.get(status, 0) + 1
    after = rss_mib(proc)
    proc.kill()
    print(f"registration: 1 MB names → {statuses}; small ones → {small} "
          f"(--max-registered-visitors 100); RSS {before:.0f} → {after:.0f} MiB")
    return statuses.get(200, 0) == 0 and small.get(507, 0) == 100 and after - before < 64


def write_stall():
    proc, port = start("--generate", "1000000")
    worst = [0.0]
    stop = threading.Event()

    def reader():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while not stop.is_set():
            started = time.monotonic()
            conn.request("GET", INFO, headers={"X-User-Id": AGENT[0], "X-Auth-Token": AGENT[1]})
            conn.getresponse().read()
            worst[0] = max(worst[0], time.monotonic() - started)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    time.sleep(1)
    baseline = worst[0]
    worst[0] = 0.0
    doc = {"username": "guest-x", "ts": "2026-07-01T00:00:00.000Z",
           "_updatedAt": "2026-07-01T00:00:00.000Z", "token": "stall-token"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("PUT", "/_mock/visitors/aaaaaaaaaaaaaaaaaaaaaaaa", body=json.dumps(doc))
    conn.getresponse().read()
    time.sleep(0.5)
    during_write = worst[0]
    worst[0] = 0.0
    conn.request("POST", "/_mock/reset")
    conn.getresponse().read()
    time.sleep(0.5)
    during_reset = worst[0]
    stop.set()
    thread.join()
    proc.kill()
    print(f"write-stall at 1,000,000 visitors: slowest visitors.info {baseline * 1000:.1f} ms "
          f"before, {during_write * 1000:.1f} ms across the first write, "
          f"{during_reset * 1000:.1f} ms across a reset")
    # The reader's own round trip (Python, loopback) is the floor: a write or a reset must not
    # add to the slowest one by more than a millisecond.
    return during_write - baseline < 0.001 and during_reset - baseline < 0.001


def non_readers():
    """Round 3, major 1: 8 connections pipeline 20,000 requests each with a small receive buffer
    and never read, against --max-connections 8: probes must be answered once the send timeout
    drops them (default timeouts, --send-timeout-ms 10000)."""
    proc, port = start("--max-connections", "8")
    request = (f"GET {INFO} HTTP/1.1\r\nHost: localhost\r\nX-User-Id: {AGENT[0]}\r\n"
               f"X-Auth-Token: {AGENT[1]}\r\n\r\n").encode() * 20000
    hogs = []
    for _ in range(8):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", port))
        sock.settimeout(2)
        try:
            sock.sendall(request)
        except (socket.timeout, OSError):
            pass
        hogs.append(sock)
    answered = 0
    started = time.time()
    for _ in range(12):
        try:
            status, _ = get(port, "/_mock/health", {"Host": "localhost"}, timeout=40)
            answered += status == 200
        except OSError:
            pass
    took = time.time() - started
    for sock in hogs:
        sock.close()
    proc.kill()
    print(f"non-readers: {answered} of 12 probes answered in {took:.1f} s "
          f"(8 non-reading pipelining connections against --max-connections 8)")
    return answered == 12


def text_bodies():
    """Round 3, major 2: 1 MiB text bodies on the unauthenticated routes, in a loop from two
    clients: RSS stays low and visitors.info stays fast."""
    proc, port = start()
    body = b"x" * (1024 * 1024)
    stop = threading.Event()

    def attack():
        while not stop.is_set():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("POST", "/api/v1/login", body=body, headers={"Content-Type": "text/plain"})
            conn.getresponse().read()
            conn.close()

    threads = [threading.Thread(target=attack) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(1)
    latencies = []
    for _ in range(50):
        t0 = time.time()
        get(port, INFO, {"X-User-Id": AGENT[0], "X-Auth-Token": AGENT[1]})
        latencies.append(time.time() - t0)
    rss = rss_mib(proc)
    stop.set()
    for t in threads:
        t.join()
    proc.kill()
    latencies.sort()
    median = latencies[len(latencies) // 2] * 1000
    print(f"text-bodies: RSS {rss:.0f} MiB, visitors.info median {median:.1f} ms "
          f"with two clients looping 1 MiB text/plain logins")
    return rss < 120 and median < 20


def stderr_pipe():
    """Round 3, minor 1: stderr a pipe nobody reads; after SIGTERM the process still exits."""
    read_end, write_end = os.pipe()
    proc = subprocess.Popen([BINARY, "--port", "0"], stdout=subprocess.PIPE, stderr=write_end,
                            text=True)
    os.close(write_end)
    port = int(proc.stdout.readline().rsplit(":", 1)[1])
    for _ in range(3000):
        try:
            get(port, INFO, timeout=2)
        except OSError:
            break
    proc.terminate()
    started = time.time()
    try:
        proc.wait(timeout=15)
        exited = True
    except subprocess.TimeoutExpired:
        proc.kill()
        exited = False
    os.close(read_end)
    print(f"stderr-pipe: {'exited' if exited else 'did not exit'} {time.time() - started:.1f} s "
          f"after SIGTERM with stderr unread")
    return exited


SCENARIOS = {
    "slow-bodies": slow_bodies,
    "journal-memory": journal_memory,
    "registration": registration,
    "write-stall": write_stall,
    "non-readers": non_readers,
    "text-bodies": text_bodies,
    "stderr-pipe": stderr_pipe,
}

if __name__ == "__main__":
    if not os.path.exists(BINARY):
        subprocess.run(["cargo", "build", "--release"], cwd=ROOT, check=True)
    wanted = sys.argv[1:] or ["all"]
    names = list(SCENARIOS) if wanted == ["all"] else wanted
    failed = [name for name in names if not SCENARIOS[name]()]
    if failed:
        sys.exit(f"findings back: {', '.join(failed)}")
