#!/usr/bin/python3
"""Faults of what userd depends on, with the real userd and user-gateway under
load: eight writers PATCH their own user through the gateway's v1 contract
and record every answer.

  database_faults_e2e.py --userd PATH --gateway PATH --tool grpc_reflect.py \
      --scenario restart|failover|webhooks

restart   First, without load, a commit whose backend the server ends
          (a deferred constraint trigger) is 503 with Retry-After: 1 and
          succeeds when retried. Then PostgreSQL's postmaster is killed
          (SIGKILL) and started again.
          No acknowledged write is lost; while the database is down calls
          fail fast with the v1 contract's 503 and userd's health is
          NOT_SERVING within 2 s; once it accepts sessions again at most 10
          calls fail in all and health is SERVING within 1 s.
failover  A primary with a synchronous streaming standby; userd on a
          two-host DATABASE_URL with target_session_attrs=read-write. The
          primary is killed (SIGKILL) and the standby promoted: no
          acknowledged write is lost (read back from the promoted server),
          writes succeed again within 5 s of the promotion, and no answer is
          a 500 at any point.
webhooks  A project's validateUserUpdated webhook hangs, answers 500, closes
          the connection, answers 200 with invalid JSON, or answers 200 with
          a 10 MiB body: each is answered with its documented code within
          3 s and writes nothing, while the writers of another project go on.

Each scenario starts its own PostgreSQL 15 cluster(s) (so it may kill them)
and prints its measured figures as "figure: name = value" lines. Needs
nothing from the environment.
"""

import argparse
import http.server
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from e2e_support import (NOT_SERVING, SERVING, Cluster, Failure,  # noqa: E402
                         Health, Processes, accepts_sessions, check,
                         free_port, make_root, psql, read, wait_for)

WRITERS = 8
V1_503 = {"error": "service_unavailable", "message": "Service unavailable"}
# After the database accepts sessions again, at most this many calls fail.
MAX_FAILURES_AFTER_RETURN = 10


def figure(name, value):
    print("figure: %s = %s" % (name, value), flush=True)


class Call:
    __slots__ = ("seq", "value", "request_id", "start", "end", "status",
                 "body", "retry_after")

    def __init__(self, seq, value, request_id, start):
        self.seq = seq
        self.value = value
        self.request_id = request_id
        self.start = start
        self.end = None
        self.status = None  # HTTP status, or "transport: <error>"
        self.body = None
        self.retry_after = None


class Writer(threading.Thread):
    """Sends PATCH /v1/users/{id} {"first_name": <fresh value>} back to back
    on one keep-alive connection until stopped, recording every call."""

    def __init__(self, index, base, token, user_id, tag):
        super().__init__(daemon=True)
        self.index = index
        self.base = base
        self.token = token
        self.user_id = user_id
        self.tag = tag
        self.calls = []
        self.stopping = threading.Event()
        self.error = None

    def run(self):
        http = requests.Session()
        seq = 0
        try:
            while not self.stopping.is_set():
                value = "w%d-%d" % (self.index, seq)
                call = Call(seq, value,
                            "%s-%d-%d" % (self.tag, self.index, seq),
                            time.monotonic())
                try:
                    r = http.patch(
                        "%s/v1/users/%s" % (self.base, self.user_id),
                        json={"first_name": value},
                        headers={"Authorization": "Bearer " + self.token,
                                 "X-Request-Id": call.request_id},
                        timeout=20)
                    call.status = r.status_code
                    call.body = r.text
                    call.retry_after = r.headers.get("Retry-After")
                except requests.RequestException as e:
                    call.status = "transport: %s" % type(e).__name__
                    http = requests.Session()
                call.end = time.monotonic()
                self.calls.append(call)
                seq += 1
        except Exception as e:  # noqa: BLE001 -- reported as the failure
            self.error = "%s: %s" % (type(e).__name__, e)

    def acked_after(self, t):
        return sum(1 for c in list(self.calls)
                   if c.status == 200 and c.start >= t)

    def failed_after(self, t):
        return sum(1 for c in list(self.calls)
                   if c.status != 200 and c.start >= t)


class HealthWatch(threading.Thread):
    """Asks userd's grpc.health.v1 every 20 ms; records (time, status)."""

    def __init__(self, address):
        super().__init__(daemon=True)
        self.health = Health(address)
        self.seen = []
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            t = time.monotonic()
            self.seen.append((t, self.health.status(timeout=0.5)))
            self.stopping.wait(0.02)
        self.health.close()

    def first(self, status, after):
        for t, seen in list(self.seen):
            if t >= after and seen == status:
                return t
        return None

    def stop(self):
        self.stopping.set()
        self.join(timeout=10)


class Service:
    """userd (on `database_url`) and user-gateway, with provisioned users."""

    def __init__(self, args, work, database_url, userd_extra=()):
        self.args = args
        self.token = secrets.token_urlsafe(24)
        self.userd_address = "127.0.0.1:%d" % free_port()
        self.processes = Processes(work)
        self.processes.start_userd("userd", args.userd, self.userd_address,
                                   database_url, self.token, userd_extra)
        self.base = self.processes.start_gateway(
            "gateway", args.gateway, free_port(), self.userd_address,
            ["--insecure-cookies"])
        self.processes.await_ready(self.base)

    def create_user(self, name, token=None):
        r = requests.post(
            self.base + "/v1/users",
            headers={"Authorization": "Bearer " + (token or self.token)},
            json={"username": name, "email": name + "@example.com",
                  "password": "correct horse"}, timeout=30)
        check(r.status_code == 201, "provision user %s" % name, r.text)
        return r.json()["id"]

    def grpc(self, method, data):
        done = subprocess.run(
            [sys.executable, self.args.tool, "-plaintext", "-max-time", "30",
             "-H", "authorization: Bearer " + self.token, "-d",
             json.dumps(data), self.userd_address, method],
            capture_output=True, text=True, timeout=90)
        if done.returncode != 0:
            raise Failure("grpc_reflect %s failed with %d:\n%s%s" %
                          (method, done.returncode, done.stdout, done.stderr))
        return json.loads(done.stdout)

    def start_writers(self, tag, user_ids, token=None):
        writers = [Writer(i, self.base, token or self.token, user_ids[i], tag)
                   for i in range(len(user_ids))]
        for writer in writers:
            writer.start()
        return writers

    def stop(self):
        self.processes.stop_all()


def stop_writers(writers):
    for writer in writers:
        writer.stopping.set()
    for writer in writers:
        writer.join(timeout=60)
        check(not writer.is_alive(), "writer %d stopped" % writer.index)
        check(writer.error is None, "writer %d saw no error of its own" %
              writer.index, writer.error)


def wait_each(writers, what, count, timeout, since=0.0, failed=False):
    def enough():
        return all((w.failed_after(since) if failed else w.acked_after(since))
                   >= count for w in writers)
    wait_for(enough, timeout, what)


def check_answers(calls, allowed, what):
    """Every answer is an allowed status; every 503 is the v1 contract's."""
    statuses = {}
    for call in calls:
        statuses[call.status] = statuses.get(call.status, 0) + 1
    check(set(statuses) <= set(allowed),
          "%s: every answer is one of %s" % (what, sorted(allowed)), statuses)
    bad_shape = []
    leaks = []
    for call in calls:
        if call.status != 503:
            continue
        body = json.loads(call.body)
        if not (isinstance(body, dict) and
                {k: v for k, v in body.items() if k != "request_id"} ==
                V1_503 and body.get("request_id") == call.request_id):
            bad_shape.append(call.body)
        if any(leak in call.body for leak in
               ("postgres", "SQL", "127.0.0.1", "connection", "pqxx")):
            leaks.append(call.body)
    check(not bad_shape, "%s: every 503 (%d) is in the v1 contract's shape, "
          "with its request id" % (what, statuses.get(503, 0)),
          bad_shape[:3])
    check(not leaks, "%s: no 503 tells internals" % what, leaks[:3])
    return statuses


def lost_writes(writers, base, token, database_url, tag):
    """Acknowledged writes the database does not have: an acknowledged
    request without its audit row, or a user whose value is neither its last
    acknowledged one nor one sent after it (read through the gateway)."""
    rows = psql(database_url,
                "SELECT request_id FROM user_events WHERE action = 'update' "
                "AND request_id LIKE '%s-%%'" % tag)
    applied = {row[0] for row in rows}
    lost = []
    for writer in writers:
        acked = [c for c in writer.calls if c.status == 200]
        lost += [c.request_id for c in acked if c.request_id not in applied]
        if not acked:
            continue
        last = max(acked, key=lambda c: c.seq)
        allowed = {c.value for c in writer.calls if c.seq >= last.seq}
        r = requests.get("%s/v1/users/%s" % (base, writer.user_id),
                         headers={"Authorization": "Bearer " + token},
                         timeout=30)
        check(r.status_code == 200, "read back user %s" % writer.user_id,
              r.text)
        if r.json().get("first_name") not in allowed:
            lost.append("%s holds %r, last acknowledged %r" %
                        (writer.user_id, r.json().get("first_name"),
                         last.value))
    return lost, len(applied)


# -- restart -----------------------------------------------------------------

END_BACKEND_AT_COMMIT = """
CREATE FUNCTION end_backend_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_terminate_backend(pg_backend_pid());
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER end_backend_at_commit AFTER UPDATE ON users
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (NEW.given_name = 'lost at commit')
  EXECUTE FUNCTION end_backend_at_commit();
"""


def commit_unknown_through_the_gateway(service, database_url, user_id):
    """The server ends the backend while the UPDATE commits (a deferred
    constraint trigger terminates its own backend): the v1 contract answers
    503 with Retry-After: 1, and the same request succeeds once retried."""
    psql(database_url, END_BACKEND_AT_COMMIT)
    url = "%s/v1/users/%s" % (service.base, user_id)
    headers = {"Authorization": "Bearer " + service.token,
               "X-Request-Id": "commit-unknown-1"}
    r = requests.patch(url, json={"first_name": "lost at commit"},
                       headers=headers, timeout=30)
    body = r.json()
    check(r.status_code == 503 and r.headers.get("Retry-After") == "1" and
          {k: v for k, v in body.items() if k != "request_id"} == V1_503,
          "a commit whose connection broke is 503 with Retry-After: 1",
          r.status_code, dict(r.headers), r.text)
    psql(database_url, "DROP TRIGGER end_backend_at_commit ON users")
    r = requests.patch(url, json={"first_name": "lost at commit"},
                       headers=headers, timeout=30)
    check(r.status_code == 200 and
          r.json().get("first_name") == "lost at commit",
          "the retried update succeeds", r.text)

def scenario_restart(args, root):
    cluster = Cluster(root, "pg")
    cluster.init()
    cluster.start()
    psql(cluster.url(), "CREATE DATABASE users")
    database_url = cluster.url("users")
    service = Service(args, root, database_url)
    watch = HealthWatch(service.userd_address)
    writers = []
    try:
        users = [service.create_user("writer%d" % i) for i in range(WRITERS)]
        commit_unknown_through_the_gateway(service, database_url, users[0])
        watch.start()
        writers = service.start_writers("restart", users)
        wait_each(writers, "each writer has 20 acknowledged writes", 20, 60)

        t_kill = time.monotonic()
        cluster.kill()
        wait_for(lambda: watch.first(NOT_SERVING, t_kill), 10,
                 "userd reports NOT_SERVING")
        # Down long enough for every writer to be refused a few times.
        wait_each(writers, "each writer is refused while the database is "
                  "down", 3, 30, since=t_kill, failed=True)
        t_restart = time.monotonic()
        up = {}

        def probe():
            while not accepts_sessions(cluster.port, timeout=0.2):
                if time.monotonic() - t_restart > 90:
                    return
            up["t"] = time.monotonic()
        prober = threading.Thread(target=probe, daemon=True)
        prober.start()
        cluster.restart_after_kill()
        prober.join(timeout=100)
        check("t" in up, "PostgreSQL accepts sessions again")
        t_up = up["t"]
        wait_for(lambda: watch.first(SERVING, t_up), 10,
                 "userd reports SERVING again")
        wait_each(writers, "each writer has 20 acknowledged writes after "
                  "the restart", 20, 60, since=t_up)
        stop_writers(writers)
        watch.stop()
        service.processes.check_running()

        calls = [c for w in writers for c in w.calls]
        statuses = check_answers(calls, {200, 503}, "restart")
        down = [c for c in calls if t_kill <= c.start < t_up and
                c.status != 200]
        slowest_refusal = max(c.end - c.start for c in down)
        failed_after = [c for c in calls if c.start >= t_up and
                        c.status != 200]
        answered_failed_after = [c for c in calls if c.end >= t_up and
                                 c.status != 200]
        commit_unknown = [c for c in calls if c.status == 503 and
                          c.retry_after == "1"]
        not_serving = watch.first(NOT_SERVING, t_kill) - t_kill
        serving = watch.first(SERVING, t_up) - t_up
        lost, applied = lost_writes(writers, service.base, service.token,
                                    database_url, "restart")

        figure("restart.calls", len(calls))
        figure("restart.statuses", statuses)
        figure("restart.refused_while_down", len(down))
        figure("restart.slowest_refusal_s", "%.3f" % slowest_refusal)
        figure("restart.down_s", "%.3f" % (t_up - t_kill))
        figure("restart.not_serving_after_kill_s", "%.3f" % not_serving)
        figure("restart.failed_calls_started_after_return",
               len(failed_after))
        figure("restart.failed_calls_answered_after_return",
               len(answered_failed_after))
        figure("restart.serving_after_return_s", "%.3f" % serving)
        figure("restart.commit_unknown_503s", len(commit_unknown))
        figure("restart.acknowledged_writes_lost", len(lost))

        check(len(down) >= WRITERS, "calls were refused while the database "
              "was down (%d)" % len(down))
        check(slowest_refusal < 2.0, "refusals while down are fast (slowest "
              "%.3f s; the gateway's deadline is 5 s)" % slowest_refusal)
        check(not_serving <= 2.0, "health NOT_SERVING %.3f s after the kill "
              "(at most 2 s)" % not_serving)
        check(len(failed_after) <= MAX_FAILURES_AFTER_RETURN,
              "%d calls failed after PostgreSQL accepted sessions again (at "
              "most %d)" % (len(failed_after), MAX_FAILURES_AFTER_RETURN),
              [(c.request_id, c.status, c.body) for c in failed_after][:10])
        check(serving <= 1.0, "health SERVING %.3f s after PostgreSQL "
              "accepted sessions again (at most 1 s)" % serving)
        check(not lost, "no acknowledged write lost (%d acknowledged, %d "
              "applied)" % (statuses.get(200, 0), applied), lost[:10])
    finally:
        for writer in writers:
            writer.stopping.set()
        watch.stopping.set()
        failed = sys.exc_info()[0] is not None
        if failed:
            service.processes.dump_logs()
            print("--- postgres log ---\n" + read(cluster.log, 3000),
                  file=sys.stderr)
        service.stop()
        cluster.stop()


# -- failover ----------------------------------------------------------------

def scenario_failover(args, root):
    primary = Cluster(root, "primary")
    primary.init()
    primary.start()
    standby = Cluster(root, "standby")
    standby.standby_of(primary)
    # The standby retries its lost primary every 5 s by default, and a
    # promotion requested meanwhile may wait for that.
    standby.configure(["wal_retrieve_retry_interval = 100ms"])
    standby.start()
    # Synchronous from now on. ALTER SYSTEM writes the primary's own
    # postgresql.auto.conf, so the promoted standby does not wait for a
    # standby of its own.
    psql(primary.url(), "ALTER SYSTEM SET synchronous_standby_names = '*'")
    psql(primary.url(), "SELECT pg_reload_conf()")
    wait_for(lambda: psql(primary.url(),
                          "SELECT count(*) FROM pg_stat_replication "
                          "WHERE sync_state = 'sync'") == [["1"]], 30,
             "the standby is synchronous")
    check(True, "a synchronous standby streams from the primary")
    psql(primary.url(), "CREATE DATABASE users")
    database_url = ("postgresql://postgres@127.0.0.1:%d,127.0.0.1:%d/users"
                    "?target_session_attrs=read-write&connect_timeout=2" %
                    (primary.port, standby.port))
    service = Service(args, root, database_url)
    writers = []
    try:
        users = [service.create_user("writer%d" % i) for i in range(WRITERS)]
        writers = service.start_writers("failover", users)
        wait_each(writers, "each writer has 20 acknowledged writes", 20, 60)

        t_kill = time.monotonic()
        primary.kill()
        t_promote = time.monotonic()
        standby.promote()
        t_promoted = time.monotonic()
        wait_each(writers, "each writer has 20 acknowledged writes after "
                  "the promotion", 20, 60, since=t_promote)
        stop_writers(writers)
        service.processes.check_running()

        calls = [c for w in writers for c in w.calls]
        statuses = check_answers(calls, {200, 503}, "failover")
        first_ok = min(c.end for c in calls
                       if c.status == 200 and c.start >= t_promote)
        # Per writer: how long after the promotion its first write succeeded.
        per_writer = [min(c.end for c in w.calls
                          if c.status == 200 and c.start >= t_promote) -
                      t_promote for w in writers]
        lost, applied = lost_writes(writers, service.base, service.token,
                                    standby.url("users"), "failover")

        figure("failover.calls", len(calls))
        figure("failover.statuses", statuses)
        figure("failover.promote_command_s", "%.3f" % (t_promoted - t_promote))
        figure("failover.first_write_after_promote_command_s",
               "%.3f" % (first_ok - t_promote))
        figure("failover.first_write_after_promotion_s",
               "%.3f" % (first_ok - t_promoted))
        figure("failover.every_writer_written_after_promotion_s",
               "%.3f" % max(per_writer))
        figure("failover.kill_to_first_write_s", "%.3f" % (first_ok - t_kill))
        figure("failover.acknowledged_writes_lost", len(lost))

        check(500 not in statuses, "no 500 at any point")
        # pg_ctl promote returns once the standby is a primary (it polls,
        # so a write may succeed a little before it returns).
        check(first_ok - t_promoted <= 5.0, "writes succeed %.3f s after the "
              "promotion (at most 5 s)" % (first_ok - t_promoted))
        check(not lost, "no acknowledged write lost, read back from the "
              "promoted server (%d acknowledged, %d applied)" %
              (statuses.get(200, 0), applied), lost[:10])
    finally:
        for writer in writers:
            writer.stopping.set()
        if sys.exc_info()[0] is not None:
            service.processes.dump_logs()
            for cluster in (primary, standby):
                print("--- %s log ---\n%s" % (cluster.dir,
                                             read(cluster.log, 3000)),
                      file=sys.stderr)
        service.stop()
        primary.stop()
        standby.stop()


# -- webhooks ----------------------------------------------------------------

TEN_MIB = 10 * 1024 * 1024


class FaultyWebhook:
    """A validateUserUpdated webhook on loopback that misbehaves by the
    username in the update: "hangs" (answers after 30 s), "fails500",
    "hangsup" (closes the connection without answering), "badjson" (200,
    not JSON), "tenmib" (200 with a 10 MiB body); anything else is
    {"valid": true}."""

    def __init__(self):
        self.calls = []
        self.release = threading.Event()
        webhook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def answer(self, status, data):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                mode = json.loads(body).get("update", {}).get("username")
                webhook.calls.append(mode)
                if mode == "hangs":
                    webhook.release.wait(30)
                    self.answer(200, b'{"valid":true}')
                elif mode == "fails500":
                    self.answer(500, b'{"valid":true}')
                elif mode == "hangsup":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                elif mode == "badjson":
                    self.answer(200, b'{"valid":tru')
                elif mode == "tenmib":
                    self.answer(200, b'{"valid":true,"pad":"' +
                                b"x" * (TEN_MIB - 24) + b'"}')
                else:
                    self.answer(200, b'{"valid":true}')

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                      Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d/validate" % self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


# mode -> (HTTP status, project contract code), as CONTRACTS.md (project
# contract) and ERRORS.md document them: a hook that cannot be reached or
# does not answer in time is 503 user/webhook-unavailable; any answer other
# than a 2xx with {"valid": true} is 400 user/validation-failed.
WEBHOOK_FAULTS = [
    ("hangs", 503, "user/webhook-unavailable"),
    ("fails500", 400, "user/validation-failed"),
    ("hangsup", 503, "user/webhook-unavailable"),
    ("badjson", 400, "user/validation-failed"),
    ("tenmib", 400, "user/validation-failed"),
]


def scenario_webhooks(args, root):
    cluster = Cluster(root, "pg")
    cluster.init()
    cluster.start()
    psql(cluster.url(), "CREATE DATABASE users")
    database_url = cluster.url("users")
    webhook = FaultyWebhook()
    service = Service(args, root, database_url,
                      ["--webhook-allow-http", "--webhook-allow-cidr",
                       "127.0.0.0/8"])
    writers = []
    try:
        service.grpc("users.v1.ProjectService/CreateProject",
                     {"projectId": "hooked",
                      "project": {"webhookUri": webhook.url,
                                  "webhookSecret": "faults-secret"}})
        key = service.grpc("users.v1.ProjectService/CreateApiKey",
                           {"parent": "projects/hooked",
                            "scopes": ["read", "write", "admin"]})["token"]
        hooked = service.create_user("hooked_user", token=key)[len("usr_"):]
        path = "%s/hooked/users/%s" % (service.base, hooked)
        headers = {"Authorization": "Bearer " + key}
        r = requests.patch(path, json={"update": {"bio": "approved"}},
                           headers=headers, timeout=30)
        check(r.status_code == 200, "a webhook that approves lets the update "
              "through", r.text)
        before = requests.get(path, headers=headers, timeout=30).json()
        audit = ("SELECT count(*) FROM user_events WHERE project_id = "
                 "'hooked' AND user_id = %s" % hooked)
        events_before = psql(database_url, audit)

        users = [service.create_user("writer%d" % i) for i in range(WRITERS)]
        writers = service.start_writers("webhooks", users)
        wait_each(writers, "each writer has 5 acknowledged writes", 5, 60)
        for mode, status, code in WEBHOOK_FAULTS:
            calls = len(webhook.calls)
            start = time.monotonic()
            r = requests.patch(path, json={"update": {"username": mode,
                                                      "bio": "changed"}},
                               headers=headers, timeout=30)
            took = time.monotonic() - start
            figure("webhooks.%s" % mode, "%d %s in %.3f s" %
                   (r.status_code, r.json().get("code"), took))
            check(len(webhook.calls) == calls + 1,
                  "%s: the webhook was called" % mode)
            check(r.status_code == status and r.json().get("code") == code,
                  "%s: %d %s" % (mode, status, code), r.status_code, r.text)
            check(took <= 3.0, "%s: answered within 3 s (%.3f s)" %
                  (mode, took))
            check(webhook.url not in r.text and "127.0.0.1" not in r.text,
                  "%s: the answer names no address" % mode, r.text)
        webhook.release.set()
        after = requests.get(path, headers=headers, timeout=30).json()
        check(after == before, "nothing was written by the refused updates",
              before, after)
        check(psql(database_url, audit) == events_before,
              "no audit row for a refused update")
        stop_writers(writers)
        calls = [c for w in writers for c in w.calls]
        statuses = check_answers(calls, {200}, "webhooks: other writers")
        figure("webhooks.other_writers", statuses)
        service.processes.check_running()
    finally:
        for writer in writers:
            writer.stopping.set()
        if sys.exc_info()[0] is not None:
            service.processes.dump_logs()
        webhook.close()
        service.stop()
        cluster.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--userd", required=True)
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--tool", required=True,
                        help="tests/tools/grpc_reflect.py")
    parser.add_argument("--scenario", required=True,
                        choices=["restart", "failover", "webhooks"])
    parser.add_argument("--keep", action="store_true",
                        help="keep the clusters and logs")
    args = parser.parse_args()
    root = make_root("faults-%s." % args.scenario)
    scenario = {"restart": scenario_restart, "failover": scenario_failover,
                "webhooks": scenario_webhooks}[args.scenario]
    try:
        scenario(args, root)
        print("PASS")
        return 0
    except (Failure, subprocess.SubprocessError, requests.RequestException,
            OSError, ValueError) as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
