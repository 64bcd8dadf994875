#!/usr/bin/python3
"""SIGTERM under load loses no accepted request.

  drain_under_load.py --userd PATH/TO/userd --gateway PATH/TO/user-gateway

Starts the real userd and user-gateway, then keeps eight keep-alive HTTP
clients busy with v1 PATCHes (each with its own X-Request-Id, which userd
records in the audit trail). Once every client has had 20 answers, SIGTERM
goes to one process (first the gateway, then, in a second round, userd).
Requests sent after the stop may be refused; what must hold:

- every answer a client got is a 200, or, for a refused call while userd is
  stopping, the contract's 503 (never a 500, a hang or a cut-off response);
- every update userd applied (an audit row with that request id) was answered
  200 to its client: nothing accepted was lost;
- the stopped process exits 0 within its grace period.

Each client stops at its first refused connection or after 400 requests, so
the test is bounded. Needs USERS_TEST_DATABASE_URL; fails without it.
"""

import argparse
import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gateway_e2e import (Failure, check, free_port, psql, read,  # noqa: E402
                         with_database)

CLIENTS = 8
WARM_UP = 20
MAX_REQUESTS = 400


class Client(threading.Thread):
    """One keep-alive connection sending PATCHes until refused."""

    def __init__(self, index, port, token, user_id, warm, round_name):
        super().__init__(daemon=True)
        self.index = index
        self.port = port
        self.token = token
        self.user_id = user_id
        self.warm = warm
        self.round_name = round_name
        self.answers = {}  # request id -> HTTP status
        self.refused = 0
        self.error = None

    def run(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port,
                                                timeout=30)
        try:
            for seq in range(MAX_REQUESTS):
                request_id = "drain-%s-%d-%d" % (self.round_name, self.index,
                                                 seq)
                body = json.dumps({"first_name": "n%d" % seq})
                try:
                    connection.request(
                        "PATCH", "/v1/users/%s" % self.user_id, body=body,
                        headers={"Authorization": "Bearer " + self.token,
                                 "Content-Type": "application/json",
                                 "X-Request-Id": request_id})
                    response = connection.getresponse()
                    response.read()
                except (ConnectionError, http.client.RemoteDisconnected,
                        http.client.CannotSendRequest, BrokenPipeError):
                    # Sent after the stop (or on a connection the stopping
                    # server closed while idle): refused, not accepted.
                    self.refused += 1
                    return
                self.answers[request_id] = response.status
                if len(self.answers) == WARM_UP:
                    self.warm.release()
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = http.client.HTTPConnection(
                        "127.0.0.1", self.port, timeout=30)
        except Exception as e:  # noqa: BLE001 -- reported as the failure
            self.error = "%s: %s" % (type(e).__name__, e)
        finally:
            connection.close()
            for _ in range(max(0, WARM_UP - len(self.answers))):
                self.warm.release()


def start(args, url, token, userd_address, gateway_port, logs):
    userd = subprocess.Popen(
        [args.userd, "--listen", userd_address, "--database-url", url,
         "--bootstrap-token", token, "--shutdown-grace-seconds", "20"],
        stdout=logs[0], stderr=subprocess.STDOUT)
    gateway = subprocess.Popen(
        [args.gateway, "--listen", "127.0.0.1:%d" % gateway_port,
         "--userd-address", userd_address],
        stdout=logs[1], stderr=subprocess.STDOUT)
    base = "http://127.0.0.1:%d" % gateway_port
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for process in (userd, gateway):
            if process.poll() is not None:
                raise Failure("a process exited early")
        try:
            if requests.get(base + "/readyz", timeout=2).status_code == 200:
                return userd, gateway
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise Failure("not ready within 60 s")


def applied_request_ids(url, round_name):
    out = subprocess.run(
        ["/usr/lib/postgresql/15/bin/psql", "-X", "-At", url, "-c",
         "select request_id from user_events where action = 'update' and "
         "request_id like 'drain-%s-%%'" % round_name],
        capture_output=True, text=True, timeout=60, check=True)
    return set(line for line in out.stdout.split("\n") if line)


def load_and_stop(round_name, victim, port, token, user_ids, url):
    warm = threading.Semaphore(0)
    clients = [Client(i, port, token, user_ids[i], warm, round_name)
               for i in range(CLIENTS)]
    for client in clients:
        client.start()
    for _ in range(CLIENTS):
        warm.acquire(timeout=120)
    victim.send_signal(signal.SIGTERM)
    for client in clients:
        client.join(timeout=120)
        check(not client.is_alive(), "%s: client %d finished" %
              (round_name, client.index))
        check(client.error is None, "%s: client %d saw no protocol error" %
              (round_name, client.index), client.error)
    try:
        code = victim.wait(timeout=30)
    except subprocess.TimeoutExpired:
        raise Failure("%s: still running 30 s after SIGTERM" % round_name)
    check(code == 0, "%s: exit code 0 after SIGTERM" % round_name, code)

    answers = {}
    for client in clients:
        answers.update(client.answers)
    statuses = set(answers.values())
    allowed = {200} if round_name == "gateway" else {200, 503}
    check(statuses <= allowed, "%s: every answer is one of %s" %
          (round_name, sorted(allowed)), sorted(statuses))
    applied = applied_request_ids(url, round_name)
    answered_ok = {rid for rid, status in answers.items() if status == 200}
    lost = applied - answered_ok
    check(not lost, "%s: every applied update was answered 200 (%d applied, "
          "%d answers, %d refused after the stop)" %
          (round_name, len(applied), len(answers),
           sum(c.refused for c in clients)), sorted(lost)[:10])
    check(answered_ok <= applied, "%s: every 200 was applied" % round_name,
          sorted(answered_ok - applied)[:10])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--userd", required=True)
    parser.add_argument("--gateway", required=True)
    args = parser.parse_args()
    base_url = os.environ.get("USERS_TEST_DATABASE_URL")
    if not base_url:
        print("FAIL: USERS_TEST_DATABASE_URL is not set", file=sys.stderr)
        return 1
    work = tempfile.mkdtemp(prefix="drain.")
    log_paths = [os.path.join(work, "userd.log"),
                 os.path.join(work, "gateway.log")]
    db = "e2e_drain_%d" % os.getpid()
    url = with_database(base_url, db)
    processes = []
    try:
        psql(base_url, "create database %s" % db)
        subprocess.run([args.userd, "migrate", "--database-url", url],
                       check=True, capture_output=True, timeout=120)
        token = secrets.token_urlsafe(24)
        userd_address = "127.0.0.1:%d" % free_port()
        gateway_port = free_port()
        logs = [open(p, "w") for p in log_paths]
        userd, gateway = start(args, url, token, userd_address, gateway_port,
                               logs)
        processes = [userd, gateway]
        base = "http://127.0.0.1:%d" % gateway_port
        user_ids = []
        for i in range(CLIENTS):
            created = requests.post(
                base + "/v1/users", headers={"Authorization": "Bearer " + token},
                json={"username": "drain%d" % i,
                      "email": "drain%d@example.com" % i,
                      "password": "correct horse"}, timeout=30)
            check(created.status_code == 201, "provision user %d" % i,
                  created.text)
            user_ids.append(created.json()["id"])

        load_and_stop("gateway", gateway, gateway_port, token, user_ids, url)

        # Second round: a fresh gateway, and userd is the one stopped.
        gateway = subprocess.Popen(
            [args.gateway, "--listen", "127.0.0.1:%d" % gateway_port,
             "--userd-address", userd_address],
            stdout=logs[1], stderr=subprocess.STDOUT)
        processes = [userd, gateway]
        deadline = time.monotonic() + 60
        ready = False
        while time.monotonic() < deadline and not ready:
            try:
                ready = requests.get(base + "/readyz",
                                     timeout=2).status_code == 200
            except requests.RequestException:
                time.sleep(0.1)
        check(ready, "the second gateway is ready")
        load_and_stop("userd", userd, gateway_port, token, user_ids, url)
        print("PASS")
        return 0
    except (Failure, subprocess.SubprocessError, requests.RequestException,
            OSError) as e:
        print("FAIL: %s" % e, file=sys.stderr)
        for path in log_paths:
            if os.path.exists(path):
                print("--- %s ---\n%s" % (path, read(path)), file=sys.stderr)
        return 1
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        try:
            psql(base_url, "drop database if exists %s with (force)" % db)
        except (subprocess.SubprocessError, OSError):
            pass


if __name__ == "__main__":
    sys.exit(main())
