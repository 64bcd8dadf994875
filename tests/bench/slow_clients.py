#!/usr/bin/python3
"""What stalled clients cost user-gateway: starts the gateway (no userd is
needed), opens
  --stalled connections that send half a request header and stop, and
  --stalled connections that announce a 64 KiB body and send one byte,
then, while they are all open, keeps a normal client asking GET /healthz
(alternately on one keep-alive connection and on fresh connections) and
prints the gateway's memory (VmRSS and VmSize from /proc, largest of
samples every 50 ms, idle and with the stalled connections) and the normal
client's latency (alone, then beside them).
Afterwards it waits for the gateway to close the stalled connections and
prints how long that took. A benchmark: it prints numbers, it asserts
nothing about them.

  slow_clients.py --gateway build/gateway/user-gateway [--stalled 2000]
                  [--window 3] [--threads 1] [-- extra gateway flags]

Needs about 2 x stalled + 100 descriptors in this process and in the
gateway; the script raises its soft RLIMIT_NOFILE (inherited by the
gateway) to the hard limit.
"""

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time

HALF_HEADER = (b"PATCH /api/users/1 HTTP/1.1\r\nHost: bench\r\n"
               b"Content-Type: application/js")
ANNOUNCED = 65536
ONE_BYTE_BODY = (b"PATCH /api/users/1 HTTP/1.1\r\nHost: bench\r\n"
                 b"Content-Type: application/json\r\n"
                 b"Cookie: neptun-session=bench\r\n"
                 b"Content-Length: %d\r\n\r\n{" % ANNOUNCED)
HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status(pid):
    """VmRSS, VmHWM, VmSize, VmPeak in KiB."""
    values = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM", "VmSize", "VmPeak"):
                values[key] = int(rest.split()[0])
    return values


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def threads(pid):
    return len(os.listdir("/proc/%d/task" % pid))


class Sampler(threading.Thread):
    """The largest VmRSS and VmSize (KiB) and thread count seen every 50 ms
    until stopped."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.max = {"VmRSS": 0, "VmSize": 0, "threads": 0}
        self.stop = threading.Event()

    def run(self):
        while True:
            status = proc_status(self.pid)
            for key in ("VmRSS", "VmSize"):
                self.max[key] = max(self.max[key], status[key])
            self.max["threads"] = max(self.max["threads"], threads(self.pid))
            if self.stop.wait(0.05):
                return


def read_response(sock, buffered=b""):
    """Reads one HTTP/1.1 response with Content-Length; (status, rest)."""
    data = buffered
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the response header")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed inside the response body")
        rest += chunk
    return status, rest[length:]


def connect(port):
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


class NormalClient(threading.Thread):
    """GET /healthz every `pause` seconds until stopped; each request's
    latency, alternately on a kept-alive connection and a fresh one."""

    def __init__(self, port, pause=0.01):
        super().__init__(daemon=True)
        self.port, self.pause = port, pause
        self.latencies = {"keep-alive": [], "new connection": []}
        self.failures = []
        self.stop = threading.Event()

    def run(self):
        kept = connect(self.port)
        fresh = False
        while not self.stop.is_set():
            kind = "new connection" if fresh else "keep-alive"
            try:
                start = time.perf_counter()
                sock = connect(self.port) if fresh else kept
                sock.sendall(HEALTHZ)
                status, _ = read_response(sock)
                took = time.perf_counter() - start
                if fresh:
                    sock.close()
                if status == 200:
                    self.latencies[kind].append(took)
                else:
                    self.failures.append("%s: status %d" % (kind, status))
            except OSError as e:
                self.failures.append("%s: %s" % (kind, e))
                if not fresh:
                    kept = connect(self.port)
            fresh = not fresh
            self.stop.wait(self.pause)
        kept.close()


def summary(latencies):
    if not latencies:
        return {"requests": 0}
    ms = sorted(x * 1000 for x in latencies)
    return {"requests": len(ms),
            "p50_ms": round(statistics.median(ms), 3),
            "p99_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 3),
            "max_ms": round(ms[-1], 3)}


def mib(kib):
    return round(kib / 1024, 1)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--stalled", type=int, default=2000,
                        help="connections of each kind (default 2000)")
    parser.add_argument("--window", type=float, default=3.0,
                        help="seconds the normal client runs beside them")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup", type=float, default=8.0,
                        help="seconds before measuring: gRPC starts a "
                        "background thread (with its malloc arena, 64 MiB "
                        "of address space) a few seconds after start")
    parser.add_argument("--json", help="also write the numbers here")
    parser.add_argument("extra", nargs="*",
                        help="more gateway flags (after --)")
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = 2 * args.stalled + 200
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, need), hard))
    port = free_port()
    argv = [args.gateway, "--listen", "127.0.0.1:%d" % port,
            "--userd-address", "127.0.0.1:%d" % free_port(),
            "--threads", str(args.threads)] + args.extra
    gateway = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    stalled = []
    client = None
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                probe = connect(port)
                break
            except OSError:
                if time.monotonic() > deadline or gateway.poll() is not None:
                    raise SystemExit("user-gateway did not start: %s" % argv)
                time.sleep(0.05)
        probe.sendall(HEALTHZ)
        read_response(probe)
        probe.close()
        pid = gateway.pid
        time.sleep(args.warmup)
        base_fds = open_fds(pid)

        # The normal client's latency with nothing else going on.
        idle = Sampler(pid)
        idle.start()
        alone = NormalClient(port)
        alone.start()
        time.sleep(args.window)
        alone.stop.set()
        alone.join()
        idle.stop.set()
        idle.join()

        loaded = Sampler(pid)
        loaded.start()
        opened_at = time.monotonic()
        for payload in (HALF_HEADER, ONE_BYTE_BODY):
            for _ in range(args.stalled):
                sock = connect(port)
                sock.sendall(payload)
                stalled.append(sock)
        opened_in = time.monotonic() - opened_at
        # Until the gateway holds them all (it accepts asynchronously; the
        # idle count may include a connection it was closing then).
        while open_fds(pid) < base_fds + len(stalled) - 2:
            if time.monotonic() - opened_at > 60:
                raise SystemExit("the gateway holds %d descriptors, expected "
                                 "%d" % (open_fds(pid),
                                         base_fds + len(stalled)))
            time.sleep(0.01)
        held_after = time.monotonic() - opened_at

        client = NormalClient(port)
        client.start()
        time.sleep(args.window)
        client.stop.set()
        client.join()
        loaded.stop.set()
        loaded.join()
        loaded_fds = open_fds(pid)

        # How long until the gateway closed every stalled connection.
        closed_at = {}
        for sock in stalled:
            sock.settimeout(120)
        for index, sock in enumerate(stalled):
            try:
                while sock.recv(4096):
                    pass
            except OSError:
                pass
            closed_at[index] = time.monotonic() - opened_at
        header_closed = max(closed_at[i] for i in range(args.stalled))
        body_closed = max(closed_at[i]
                          for i in range(args.stalled, 2 * args.stalled))

        result = {
            "stalled_connections": 2 * args.stalled,
            "gateway_threads": args.threads,
            "opened_in_s": round(opened_in, 2),
            "all_held_after_s": round(held_after, 2),
            "gateway_fds": {"idle": base_fds, "loaded": loaded_fds},
            "gateway_threads_seen": {"idle": idle.max["threads"],
                                     "loaded": loaded.max["threads"]},
            # Largest values sampled every 50 ms in each phase.
            "rss_mib": {"idle": mib(idle.max["VmRSS"]),
                        "loaded": mib(loaded.max["VmRSS"])},
            "address_space_mib": {
                "idle": mib(idle.max["VmSize"]),
                "loaded": mib(loaded.max["VmSize"]),
                "extra": mib(loaded.max["VmSize"] - idle.max["VmSize"])},
            "normal_client_alone": {k: summary(v)
                                    for k, v in alone.latencies.items()},
            "normal_client_beside_them": {
                k: summary(v) for k, v in client.latencies.items()},
            "normal_client_failures": client.failures[:5],
            "half_headers_all_closed_after_s": round(header_closed, 2),
            "one_byte_bodies_all_closed_after_s": round(body_closed, 2),
        }
        text = json.dumps(result, indent=2)
        print(text)
        if args.json:
            with open(args.json, "w") as f:
                f.write(text + "\n")
        return 0
    finally:
        for sock in stalled:
            sock.close()
        gateway.terminate()
        try:
            gateway.wait(timeout=30)
        except subprocess.TimeoutExpired:
            gateway.kill()


if __name__ == "__main__":
    sys.exit(main())
