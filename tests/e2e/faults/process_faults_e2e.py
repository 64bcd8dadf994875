#!/usr/bin/python3
"""Process faults end to end: the real userd and user-gateway binaries under
load, userd killed and started again.

  process_faults_e2e.py --userd PATH/TO/userd --gateway PATH/TO/user-gateway \
      --scenario userd_restart|two_replicas|watch_drain|connection_age|\
                 idle_keepalive

Load: eight writers, each with its own keep-alive HTTP connection to the
gateway, PATCH /v1/users/{id} (the v1 contract) with a new last_name each
time, round-robin over four users of their own, and record every answer:
status, body, the value written, the X-Request-Id, when it was sent and
answered.

- userd_restart: userd is killed with SIGKILL and started again on the same
  port, the gateway keeps running. While userd is gone every answer is the
  v1 contract's 503 (no other status, no empty body, nothing slower than the
  gateway's deadline to userd); within 2.5 s of userd's health check
  answering SERVING the gateway serves again; no acknowledged write is lost.
- two_replicas: two userd behind one gateway (--userd-address
  ipv4:A,B): each replica answers at least a third of the calls (counted
  from its own /metrics); when one is killed, every call from 5 s later on is
  answered by the other; no acknowledged write is lost.
- watch_drain: a grpc.health.v1.Health/Watch stream is open when userd gets
  SIGTERM: it sees NOT_SERVING and ends with UNAVAILABLE at once, and userd
  exits well before its 20 s grace period.
- connection_age: userd with --max-connection-age-seconds 1 and a 1 s grace
  ends a long Watch stream's connection within a few seconds, and the
  client's next call is served on a new connection.
- idle_keepalive: a gateway with --userd-keepalive-ms 15000 and no traffic
  gets three keepalive pings answered by userd (gRPC's keepalive trace in
  its log) without a GOAWAY too_many_pings, and still reaches userd.

"No acknowledged write lost": every write answered 200 has its audit row
(written in the update's transaction, with the X-Request-Id), and at the end
each user holds the last value acknowledged for it, or the value of a later
write whose answer was not 200 (it may have been applied).

The measured figures are printed on a "figures:" line. Needs
USERS_TEST_DATABASE_URL (scripts/test sets it); fails without it.
"""

import argparse
import http.client
import json
import os
import secrets
import signal
import sys
import threading
import time

import grpc
import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from e2e_support import (Failure, Workspace, check,  # noqa: E402
                         free_port)

WRITERS = 8
USERS_PER_WRITER = 4
# The gateway's deadline for calls to userd (its default).
RPC_TIMEOUT_S = 5.0
# After userd answers SERVING, the gateway must serve within this.
RECOVERY_S = 2.5
# After one replica is killed, the other must take every call within this.
TAKEOVER_S = 5.0
SERVING = b"\x08\x01"
NOT_SERVING = b"\x08\x02"


class Answer:
    __slots__ = ("writer", "user", "value", "request_id", "sent", "answered",
                 "status", "problem")

    def __init__(self, writer, user, value, request_id, sent):
        self.writer = writer
        self.user = user
        self.value = value
        self.request_id = request_id
        self.sent = sent
        self.answered = None
        self.status = None  # None: no HTTP answer at all
        self.problem = None  # what was wrong with the answer, if anything


class Writer(threading.Thread):
    """PATCHes its users' last_name over one keep-alive connection until
    told to stop."""

    def __init__(self, index, port, token, user_ids, run_id, stop):
        super().__init__(daemon=True)
        self.index = index
        self.port = port
        self.token = token
        self.user_ids = user_ids
        self.run_id = run_id
        self.stop = stop
        self.answers = []
        self.lock = threading.Lock()

    def connect(self):
        return http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=RPC_TIMEOUT_S + 10)

    def run(self):
        connection = self.connect()
        seq = 0
        while not self.stop.is_set():
            user = self.user_ids[seq % len(self.user_ids)]
            value = "w%ds%d" % (self.index, seq)
            request_id = "%s-%d-%d" % (self.run_id, self.index, seq)
            answer = Answer(self.index, user, value, request_id,
                            time.monotonic())
            seq += 1
            try:
                connection.request(
                    "PATCH", "/v1/users/" + user,
                    body=json.dumps({"last_name": value}),
                    headers={"Authorization": "Bearer " + self.token,
                             "Content-Type": "application/json",
                             "X-Request-Id": request_id})
                response = connection.getresponse()
                body = response.read()
                answer.status = response.status
                answer.problem = problem_of(response, body, answer)
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = self.connect()
            except (OSError, http.client.HTTPException) as e:
                answer.problem = "no answer: %s: %s" % (type(e).__name__, e)
                connection.close()
                connection = self.connect()
            answer.answered = time.monotonic()
            with self.lock:
                self.answers.append(answer)
        connection.close()

    def snapshot(self):
        with self.lock:
            return list(self.answers)


def problem_of(response, body, answer):
    """None when the answer is a 200 with the value written or the v1
    contract's 503; otherwise what is wrong with it."""
    if response.getheader("X-Request-Id") != answer.request_id:
        return "X-Request-Id not echoed"
    try:
        parsed = json.loads(body)
    except ValueError:
        return "status %d with a body that is not JSON: %r" % (
            response.status, body[:200])
    if response.status == 200:
        if parsed.get("last_name") != answer.value:
            return "200 without the value written: %r" % parsed
        return None
    if response.status == 503:
        if (parsed.get("error") != "service_unavailable" or
                parsed.get("message") != "Service unavailable" or
                parsed.get("request_id") != answer.request_id):
            return "503 not in the v1 shape: %r" % parsed
        return None
    return "status %d: %r" % (response.status, parsed)


class Load:
    """The eight writers."""

    def __init__(self, port, token, users, run_id):
        self.stop = threading.Event()
        self.writers = [
            Writer(i, port, token,
                   users[i * USERS_PER_WRITER:(i + 1) * USERS_PER_WRITER],
                   run_id, self.stop) for i in range(WRITERS)]

    def start(self):
        for writer in self.writers:
            writer.start()

    def answers(self):
        return [a for w in self.writers for a in w.snapshot()]

    def wait_for(self, what, condition, timeout):
        """Polls CONDITION(answers) until true; Failure after TIMEOUT s."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition(self.answers()):
                return
            time.sleep(0.02)
        raise Failure("load: %s not within %g s" % (what, timeout))

    def each_writer_acked_since(self, since, count):
        def condition(answers):
            acked = [0] * WRITERS
            for a in answers:
                if a.status == 200 and a.sent >= since:
                    acked[a.writer] += 1
            return min(acked) >= count
        return condition

    def finish(self):
        self.stop.set()
        for writer in self.writers:
            writer.join(timeout=RPC_TIMEOUT_S + 15)
            check(not writer.is_alive(), "writer %d stopped" % writer.index)
        return self.answers()


def provision(base, token, run_id):
    """WRITERS * USERS_PER_WRITER users; their v1 ids."""
    ids = []
    with requests.Session() as http:
        for i in range(WRITERS * USERS_PER_WRITER):
            r = http.post(base + "/v1/users",
                          headers={"Authorization": "Bearer " + token},
                          json={"username": "%s%d" % (run_id, i),
                                "email": "%s%d@example.com" % (run_id, i),
                                "password": "correct horse"}, timeout=30)
            check(r.status_code == 201, "provision user %d" % i, r.text)
            ids.append(r.json()["id"])
    return ids


def check_answers(answers):
    """Every answer is a good 200 or the contract's 503, none slower than
    the deadline. Returns the number of 503s and the slowest answer's
    seconds."""
    bad = [a for a in answers if a.problem is not None]
    check(not bad, "every answer is a 200 with the value written or the v1 "
          "503 (of %d answers)" % len(answers),
          *["%s: %s" % (a.request_id, a.problem) for a in bad[:10]])
    slowest = max(a.answered - a.sent for a in answers)
    check(slowest < RPC_TIMEOUT_S + 1.0,
          "no answer took longer than the gateway's deadline to userd "
          "(slowest %.2f s)" % slowest)
    return sum(1 for a in answers if a.status == 503), slowest


def check_nothing_lost(db, base, token, answers):
    """Every acknowledged write is in the audit trail and in the final
    values. Returns the number of lost writes (0, or Failure)."""
    acked = [a for a in answers if a.status == 200]
    audited = set(row[0] for row in db.rows(
        "select request_id from user_events where action = 'update'"))
    missing = [a.request_id for a in acked if a.request_id not in audited]
    check(not missing, "every acknowledged write (%d) has its audit row" %
          len(acked), missing[:10])
    by_user = {}
    for a in sorted(answers, key=lambda a: a.sent):
        by_user.setdefault(a.user, []).append(a)
    lost = []
    with requests.Session() as http:
        for user, writes in by_user.items():
            last_ack = max((i for i, a in enumerate(writes)
                            if a.status == 200), default=None)
            if last_ack is None:
                raise Failure("user %s had no write acknowledged" % user)
            allowed = {writes[last_ack].value} | {
                a.value for a in writes[last_ack + 1:] if a.status != 200}
            r = http.get(base + "/v1/users/" + user,
                         headers={"Authorization": "Bearer " + token},
                         timeout=30)
            if r.status_code != 200:
                raise Failure("reading user %s back: %d %s" %
                              (user, r.status_code, r.text))
            if r.json().get("last_name") not in allowed:
                lost.append((user, r.json().get("last_name"),
                             writes[last_ack].value))
    check(not lost, "every user holds its last acknowledged value (%d "
          "users read back)" % len(by_user), lost[:10])
    return len(lost)


def userd_calls(admin_port):
    """UpdateUser calls userd has answered, from its /metrics."""
    text = requests.get("http://127.0.0.1:%d/metrics" % admin_port,
                        timeout=5).text
    total = 0
    for line in text.splitlines():
        if (line.startswith("grpc_server_handled_total{") and
                'grpc_method="UpdateUser"' in line):
            total += int(float(line.rsplit(" ", 1)[1]))
    return total


class Setup(Workspace):
    """A database, userd processes and one gateway."""

    def __init__(self, args, scenario):
        super().__init__("faults-%s." % scenario,
                         "e2e_faults_%s_%d" % (scenario, os.getpid()))
        self.args = args
        self.token = secrets.token_urlsafe(24)
        self.run_id = "f%s" % secrets.token_hex(3)
        self.watches = []

    def watch(self, address):
        """A started Watch of ADDRESS, closed by close()."""
        watch = Watch(address)
        self.watches.append(watch)
        watch.start()
        return watch

    def start_userd(self, name, port, admin_port, extra=()):
        address = "127.0.0.1:%d" % port
        self.processes.start_userd(
            name, self.args.userd, address, self.db.url, self.token,
            ["--admin-listen", "127.0.0.1:%d" % admin_port] + list(extra))
        return self.processes.await_serving(name, address)

    def close(self):
        for watch in self.watches:
            watch.close()
        super().close()


def userd_restart(setup):
    port, admin = free_port(), free_port()
    setup.db.create(setup.args.userd)
    setup.start_userd("userd", port, admin)
    gateway_port = free_port()
    base = setup.processes.start_gateway(
        "gateway", setup.args.gateway, gateway_port, "127.0.0.1:%d" % port)
    setup.processes.await_ready(base)
    gateway = setup.processes.process("gateway")
    users = provision(base, setup.token, setup.run_id)

    load = Load(gateway_port, setup.token, users, setup.run_id)
    load.start()
    load.wait_for("20 writes acknowledged per writer",
                  load.each_writer_acked_since(0, 20), 60)
    setup.processes.kill("userd")
    killed = time.monotonic()
    print("userd killed", flush=True)
    # Down long enough for the gateway's reconnect back-off to reach its
    # 2 s cap (100 ms growing 1.6 times an attempt: about 4.3 s).
    load.wait_for("every writer answered 503 for 5 s after the kill",
                  lambda answers: len({a.writer for a in answers
                                       if a.sent > killed + 5 and
                                       a.status == 503}) == WRITERS, 30)
    setup.start_userd("userd", port, admin)
    ready = setup.processes.await_serving("userd",
                                          "127.0.0.1:%d" % port)
    print("userd SERVING again %.2f s after the kill" % (ready - killed),
          flush=True)
    load.wait_for("a write acknowledged again",
                  lambda answers: any(a.status == 200 and a.sent > killed
                                      for a in answers), 30)
    load.wait_for("20 more writes acknowledged per writer",
                  load.each_writer_acked_since(ready + RECOVERY_S, 20), 60)
    answers = load.finish()

    check(gateway.poll() is None, "the gateway ran throughout (never "
          "restarted)")
    unavailable, slowest = check_answers(answers)
    after_kill = [a for a in answers if a.sent > killed]
    first_ok = min(a.answered for a in after_kill if a.status == 200)
    recovery = first_ok - ready
    check(recovery <= RECOVERY_S, "the gateway served again %.2f s after "
          "userd answered SERVING (at most %g s)" % (recovery, RECOVERY_S))
    late = [a for a in after_kill
            if a.sent > ready + RECOVERY_S and a.status != 200]
    check(not late, "every write sent from %g s after SERVING on is "
          "acknowledged" % RECOVERY_S, *[a.request_id for a in late[:10]])
    outage = max(a.answered for a in after_kill if a.status == 503) - killed
    lost = check_nothing_lost(setup.db, base, setup.token, answers)
    acked = sum(1 for a in answers if a.status == 200)
    print("figures: scenario=userd_restart recovery_after_serving_ms=%d "
          "serving_after_kill_ms=%d last_503_after_kill_ms=%d answers_503=%d "
          "slowest_answer_ms=%d writes_acknowledged=%d writes_lost=%d" %
          (max(0, recovery) * 1000, (ready - killed) * 1000, outage * 1000,
           unavailable, slowest * 1000, acked, lost), flush=True)


def two_replicas(setup):
    ports = [free_port(), free_port()]
    admins = [free_port(), free_port()]
    setup.db.create(setup.args.userd)
    for i in (0, 1):
        setup.start_userd("userd%d" % i, ports[i], admins[i])
    gateway_port = free_port()
    target = "ipv4:127.0.0.1:%d,127.0.0.1:%d" % tuple(ports)
    base = setup.processes.start_gateway("gateway", setup.args.gateway,
                                         gateway_port, target)
    setup.processes.await_ready(base)
    users = provision(base, setup.token, setup.run_id)

    load = Load(gateway_port, setup.token, users, setup.run_id)
    before = [userd_calls(a) for a in admins]
    started = time.monotonic()
    load.start()
    load.wait_for("50 writes acknowledged per writer",
                  load.each_writer_acked_since(0, 50), 120)
    # Read while the load goes on: the shares of what each replica answered.
    during = [userd_calls(a) for a in admins]
    measured = time.monotonic()
    split = [during[i] - before[i] for i in (0, 1)]
    total = sum(split)
    check(total >= 400, "the replicas answered %d UpdateUser calls" % total)
    for i in (0, 1):
        check(split[i] * 3 >= total, "replica %d answered at least a third "
              "(%d of %d)" % (i, split[i], total))

    survivor_before = userd_calls(admins[1])
    killing = time.monotonic()
    setup.processes.kill("userd0")
    killed = time.monotonic()
    print("userd0 killed", flush=True)
    load.wait_for("20 writes per writer acknowledged %g s after the kill" %
                  TAKEOVER_S,
                  load.each_writer_acked_since(killed + TAKEOVER_S, 20), 60)
    answers = load.finish()
    survivor_after = userd_calls(admins[1])

    check(setup.processes.process("gateway").poll() is None,
          "the gateway ran throughout")
    unavailable, slowest = check_answers(answers)
    after_kill = [a for a in answers if a.sent > killed]
    late = [a for a in after_kill
            if a.sent > killed + TAKEOVER_S and a.status != 200]
    check(not late, "every write sent from %g s after the kill on is "
          "acknowledged" % TAKEOVER_S, *[a.request_id for a in late[:10]])
    acked_after = sum(1 for a in after_kill if a.status == 200)
    check(survivor_after - survivor_before >= acked_after,
          "the surviving replica answered every write acknowledged after "
          "the kill (%d calls, %d acknowledged)" %
          (survivor_after - survivor_before, acked_after))
    failed_around = [a for a in answers
                     if a.status != 200 and a.answered >= killing]
    takeover = (max(a.answered for a in failed_around) - killing
                if failed_around else 0.0)
    check(takeover <= TAKEOVER_S, "the last refused write after the kill was "
          "answered %.2f s after it" % takeover)
    lost = check_nothing_lost(setup.db, base, setup.token, answers)
    acked = sum(1 for a in answers if a.status == 200)
    print("figures: scenario=two_replicas split=%d/%d (%.0f%%/%.0f%%) "
          "calls_per_s=%.0f answers_503=%d last_refusal_after_kill_ms=%d "
          "slowest_answer_ms=%d writes_acknowledged=%d writes_lost=%d" %
          (split[0], split[1], 100.0 * split[0] / total,
           100.0 * split[1] / total, total / (measured - started), unavailable,
           takeover * 1000, slowest * 1000, acked, lost), flush=True)


class Watch(threading.Thread):
    """A grpc.health.v1.Health/Watch stream of the whole server; records
    each status with its time, and how the stream ended."""

    def __init__(self, address):
        super().__init__(daemon=True)
        self.channel = grpc.insecure_channel(address)
        # Watching the channel's state keeps Python's gRPC reading the
        # connection between calls, as a C++ client (the gateway) always
        # does: otherwise userd's GOAWAY ping would go unanswered until the
        # next call, and the drain would wait for it.
        self.states = []
        self.channel.subscribe(self.states.append)
        self.messages = []  # (time, bytes)
        self.ended = None
        self.code = None
        self.first = threading.Event()

    def run(self):
        call = self.channel.unary_stream("/grpc.health.v1.Health/Watch")(
            b"", timeout=120)
        try:
            for message in call:
                self.messages.append((time.monotonic(), message))
                self.first.set()
            self.code = grpc.StatusCode.OK
        except grpc.RpcError as e:
            self.code = e.code()
        self.ended = time.monotonic()
        self.first.set()

    def await_serving(self, what):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.messages and self.messages[-1][1] == SERVING:
                return
            if self.ended is not None:
                raise Failure("%s: the Watch ended (%s) before SERVING" %
                              (what, self.code))
            time.sleep(0.02)
        raise Failure("%s: the Watch did not say SERVING within 30 s" % what)

    def await_end(self, timeout):
        self.join(timeout=timeout)
        return not self.is_alive()

    def close(self):
        """Ends the stream if still open (a Python process with an open,
        watched channel does not exit)."""
        self.channel.unsubscribe(self.states.append)
        self.channel.close()


def watch_drain(setup):
    port, admin = free_port(), free_port()
    setup.db.create(setup.args.userd)
    grace = 20
    setup.start_userd("userd", port, admin,
                      ["--shutdown-grace-seconds", str(grace)])
    watch = setup.watch("127.0.0.1:%d" % port)
    watch.await_serving("watch_drain")
    check(True, "a Watch stream is open and says SERVING")
    process = setup.processes.process("userd")
    process.send_signal(signal.SIGTERM)
    stopped = time.monotonic()
    check(watch.await_end(5), "the Watch stream ended within 5 s of SIGTERM")
    stream_end = watch.ended - stopped
    check(watch.code == grpc.StatusCode.UNAVAILABLE,
          "it ended with UNAVAILABLE", watch.code)
    check(watch.messages[-1][1] == NOT_SERVING,
          "its last status was NOT_SERVING", watch.messages[-1])
    code = process.wait(timeout=grace + 10)
    exited = time.monotonic() - stopped
    check(code == 0, "userd exited with 0", setup.processes.log("userd"))
    check(exited < grace / 4.0, "userd exited %.2f s after SIGTERM, well "
          "before its %d s grace period" % (exited, grace))
    print("figures: scenario=watch_drain watch_end_after_sigterm_ms=%d "
          "exit_after_sigterm_ms=%d grace_s=%d" %
          (stream_end * 1000, exited * 1000, grace), flush=True)


def connection_age(setup):
    port, admin = free_port(), free_port()
    setup.db.create(setup.args.userd)
    address = "127.0.0.1:%d" % port
    setup.start_userd("userd", port, admin,
                      ["--max-connection-age-seconds", "1",
                       "--max-connection-age-grace-seconds", "1"])
    opened = time.monotonic()
    watch = setup.watch(address)
    watch.await_serving("connection_age")
    # Age 1 s (plus up to 10 % jitter) and 1 s of grace: the stream's
    # connection closes after about 2 s.
    check(watch.await_end(10), "a Watch stream on a connection older than "
          "the age limit plus its grace ended within 10 s")
    lifetime = watch.ended - opened
    check(watch.code == grpc.StatusCode.UNAVAILABLE,
          "it ended with UNAVAILABLE (the connection went away)", watch.code)
    check(lifetime >= 1.0, "not before the age limit (%.2f s)" % lifetime)
    check_health = watch.channel.unary_unary("/grpc.health.v1.Health/Check")
    check(check_health(b"", timeout=5, wait_for_ready=True) == SERVING,
          "the same client channel is served again on a new connection")
    check(setup.processes.process("userd").poll() is None,
          "userd kept running")
    print("figures: scenario=connection_age watch_lifetime_ms=%d" %
          (lifetime * 1000), flush=True)


def idle_keepalive(setup):
    """The gateway's keepalive pings reach userd every 15 s on an idle
    connection, and userd accepts them: three pings answered, no GOAWAY
    too_many_pings (which gRPC logs at ERROR level), the connection kept."""
    port, admin = free_port(), free_port()
    setup.db.create(setup.args.userd)
    setup.start_userd("userd", port, admin)
    # gRPC's keepalive trace: one "Finish keepalive ping" per answered ping.
    os.environ["GRPC_TRACE"] = "http_keepalive"
    os.environ["GRPC_VERBOSITY"] = "info"
    try:
        base = setup.processes.start_gateway(
            "gateway", setup.args.gateway, free_port(),
            "127.0.0.1:%d" % port, ["--userd-keepalive-ms", "15000"])
    finally:
        del os.environ["GRPC_TRACE"]
        del os.environ["GRPC_VERBOSITY"]
    setup.processes.await_ready(base)
    started = time.monotonic()
    deadline = started + 60
    log = ""
    while time.monotonic() < deadline:
        setup.processes.check_running()
        log = setup.processes.log("gateway")
        if log.count("Finish keepalive ping") >= 3:
            break
        time.sleep(0.5)
    pings = log.count("Finish keepalive ping")
    idle = time.monotonic() - started
    check(pings >= 3, "three keepalive pings answered on the idle connection "
          "(%d in %.1f s)" % (pings, idle))
    for name in ("gateway", "userd"):
        text = setup.processes.log(name)
        check("too_many_pings" not in text and "GOAWAY" not in text,
              "no GOAWAY in the %s log" % name)
    check(requests.get(base + "/readyz", timeout=5).status_code == 200,
          "the gateway still reaches userd")
    print("figures: scenario=idle_keepalive pings_answered=%d idle_s=%.1f" %
          (pings, idle), flush=True)


SCENARIOS = {"userd_restart": userd_restart, "two_replicas": two_replicas,
             "watch_drain": watch_drain, "connection_age": connection_age,
             "idle_keepalive": idle_keepalive}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--userd", required=True)
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--scenario", required=True, choices=sorted(SCENARIOS))
    args = parser.parse_args()
    setup = None
    try:
        setup = Setup(args, args.scenario)
        SCENARIOS[args.scenario](setup)
        print("PASS")
        return 0
    except (Failure, OSError, requests.RequestException, grpc.RpcError) as e:
        print("FAIL: %s" % e, file=sys.stderr)
        if setup is not None:
            setup.processes.dump_logs()
        return 1
    finally:
        if setup is not None:
            setup.close()


if __name__ == "__main__":
    sys.exit(main())
