"""What the end-to-end tests share: checks, a throwaway database, the userd
and user-gateway processes with their logs, and waiting for them.

Import it from a test in a folder below tests/e2e/ with

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(
        __file__)), ".."))
    import e2e_support

Only Debian's Python 3 packages (/usr/bin/python3): python3-requests, and
python3-grpcio for the gRPC health checks (imported when first used).
"""

import os
import socket
import subprocess
import sys
import time
import urllib.parse

import requests

# Argon2 parameters that make provisioning users cheap in a test.
CHEAP_ARGON2 = ["--argon2-memory-kib", "1024", "--argon2-iterations", "1"]


class Failure(Exception):
    """A check that did not hold, or a step that could not be taken."""


def check(condition, what, *context):
    """Prints "ok: WHAT" when CONDITION holds; otherwise raises Failure with
    WHAT and CONTEXT."""
    if not condition:
        raise Failure(what + "".join("\n  " + str(c) for c in context))
    print("ok: " + what, flush=True)


def psql_binary():
    candidate = "/usr/lib/postgresql/15/bin/psql"
    return candidate if os.access(candidate, os.X_OK) else "psql"


def psql(url, sql):
    subprocess.run([psql_binary(), "-X", "-q", "-v", "ON_ERROR_STOP=1", url,
                    "-c", sql], check=True, timeout=60)


def with_database(url, name):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def free_port():
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read(path):
    """The last 8000 characters of the file at PATH."""
    with open(path, errors="replace") as f:
        return f.read()[-8000:]


def server_url():
    """USERS_TEST_DATABASE_URL (scripts/test sets it), or Failure."""
    url = os.environ.get("USERS_TEST_DATABASE_URL")
    if not url:
        raise Failure("USERS_TEST_DATABASE_URL is not set: run the tests "
                      "with scripts/test, or export a superuser URL of a "
                      "throwaway PostgreSQL cluster")
    return url


class Database:
    """A database of its own on the cluster of USERS_TEST_DATABASE_URL."""

    def __init__(self, name):
        self.server_url = server_url()
        self.name = name
        self.url = with_database(self.server_url, name)

    def create(self, userd):
        """Creates the database and applies userd's migrations."""
        psql(self.server_url, "create database %s" % self.name)
        done = subprocess.run([userd, "migrate", "--database-url", self.url],
                              capture_output=True, text=True, timeout=120)
        check(done.returncode == 0, "userd migrate", done.stdout, done.stderr)

    def rows(self, sql):
        """The rows of SQL's result, each a list of text columns."""
        done = subprocess.run(
            [psql_binary(), "-X", "-q", "-At", "-F", "\t", "-v",
             "ON_ERROR_STOP=1", self.url, "-c", sql],
            capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise Failure("psql failed: %s\n%s" % (sql, done.stderr))
        return [line.split("\t") for line in done.stdout.splitlines()]

    def drop(self):
        try:
            psql(self.server_url,
                 "drop database if exists %s with (force)" % self.name)
        except (subprocess.SubprocessError, OSError) as e:
            print("warning: could not drop %s: %s" % (self.name, e),
                  file=sys.stderr)


def grpc_health(address, timeout=1.0):
    """grpc.health.v1.Health/Check of the whole server at ADDRESS: "SERVING",
    "NOT_SERVING", or the gRPC code's name when the call fails. The messages
    are written by hand: an empty HealthCheckRequest, and a response with
    field 1 = status (08 01 is SERVING, 08 02 NOT_SERVING)."""
    import grpc
    with grpc.insecure_channel(address) as channel:
        try:
            answer = channel.unary_unary("/grpc.health.v1.Health/Check")(
                b"", timeout=timeout)
        except grpc.RpcError as e:
            return e.code().name
    return {b"\x08\x01": "SERVING", b"\x08\x02": "NOT_SERVING"}.get(
        answer, "status bytes %r" % answer)


class Processes:
    """The processes of a test, by name, each with its log file in WORK."""

    def __init__(self, work):
        self.work = work
        self.running = {}  # name -> (Popen, log path)

    def start(self, name, argv):
        path = os.path.join(self.work, name + ".log")
        with open(path, "a") as log:
            self.running[name] = (subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT), path)
        return self.running[name][0]

    def start_userd(self, name, userd, address, database_url, token,
                    extra=()):
        """userd serving gRPC on ADDRESS with a bootstrap TOKEN and cheap
        Argon2."""
        return self.start(name, [userd, "--listen", address, "--database-url",
                                 database_url, "--bootstrap-token", token] +
                          CHEAP_ARGON2 + list(extra))

    def start_gateway(self, name, gateway, port, userd_address, extra=()):
        """user-gateway on 127.0.0.1:PORT in front of USERD_ADDRESS; returns
        its base URL."""
        self.start(name, [gateway, "--listen", "127.0.0.1:%d" % port,
                          "--userd-address", userd_address] + list(extra))
        return "http://127.0.0.1:%d" % port

    def process(self, name):
        return self.running[name][0]

    def log(self, name):
        return read(self.running[name][1])

    def check_running(self):
        for name, (process, path) in self.running.items():
            if process.poll() is not None:
                raise Failure("%s exited with %s:\n%s" %
                              (name, process.returncode, read(path)))

    def kill(self, name):
        """SIGKILL, and waits for the process to be gone."""
        process = self.running[name][0]
        process.kill()
        process.wait(timeout=30)

    def stop(self, name, timeout=30):
        """SIGTERM; SIGKILL when still running after TIMEOUT seconds.
        Returns the exit code."""
        process = self.running[name][0]
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return process.returncode

    def stop_all(self):
        for name in list(self.running):
            self.stop(name)

    def dump_logs(self):
        for name, (_, path) in self.running.items():
            if os.path.exists(path):
                print("--- %s log ---\n%s" % (name, read(path)),
                      file=sys.stderr)

    def await_serving(self, name, address, timeout=60.0):
        """Polls ADDRESS's gRPC health until SERVING, failing fast when a
        process exits. Returns the time.monotonic() of the SERVING answer."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            self.check_running()
            last = grpc_health(address, timeout=0.5)
            if last == "SERVING":
                return time.monotonic()
            time.sleep(0.02)
        raise Failure("%s not SERVING within %g s (last: %s):\n%s" %
                      (name, timeout, last, self.log(name)))

    def await_ready(self, base, timeout=60.0):
        """Polls the gateway's /readyz at BASE until 200 (userd serving),
        failing fast when a process exits."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_running()
            try:
                if requests.get(base + "/readyz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise Failure(base + "/readyz did not become 200 within %g s" %
                      timeout)
