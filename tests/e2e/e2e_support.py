"""What the end-to-end tests share: checks, a throwaway database, private
PostgreSQL 15 clusters that a test may kill and restart, the userd and
user-gateway processes with their logs, and waiting for them.

Import it from a test in a folder below tests/e2e/ with

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(
        __file__)), ".."))
    import e2e_support

Only Debian's Python 3 packages (/usr/bin/python3): python3-requests, and
python3-grpcio for the gRPC health checks (imported when first used).
"""

import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse

import requests

PG_BIN = "/usr/lib/postgresql/15/bin"
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


def psql(url, sql, timeout=60):
    """Runs SQL with psql; returns the rows of the last result as lists of
    text (unaligned, '|'-separated)."""
    done = subprocess.run(
        [psql_binary(), "-X", "-q", "-At", "-F", "|", "-v",
         "ON_ERROR_STOP=1", url, "-c", sql],
        capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise Failure("psql failed: %s\n%s" % (sql, done.stderr))
    return [line.split("|") for line in done.stdout.splitlines()]


def with_database(url, name):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def free_port():
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read(path, tail=8000):
    """The last TAIL characters of the file at PATH."""
    with open(path, errors="replace") as f:
        return f.read()[-tail:]


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
    """grpc.health.v1.Health/Check of the whole server at ADDRESS, on a
    channel of its own: "SERVING", "NOT_SERVING", or the gRPC code's name
    when the call fails."""
    health = Health(address)
    try:
        return health.status(timeout)
    finally:
        health.close()


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


class Workspace:
    """A scratch folder, a database of its own and the processes a test
    starts (their logs in the folder); close() stops the processes, drops the
    database and removes the folder."""

    def __init__(self, prefix, database):
        self.work = tempfile.mkdtemp(prefix=prefix)
        self.db = Database(database)
        self.processes = Processes(self.work)

    def close(self):
        self.processes.stop_all()
        self.db.drop()
        shutil.rmtree(self.work, ignore_errors=True)


def wait_for(condition, timeout, what, interval=0.02):
    """Polls `condition` until it returns a true value (returned) or
    `timeout` seconds pass (Failure naming `what`)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise Failure("%s: not within %g s" % (what, timeout))
        time.sleep(interval)


def accepts_sessions(port, user="postgres", database="postgres",
                     timeout=0.5):
    """Whether the PostgreSQL server on 127.0.0.1:`port` completes a session
    start-up (trust authentication) right now: a StartupMessage answered by
    ReadyForQuery. A server that is starting up, shutting down or absent
    answers an ErrorResponse or nothing. Cheaper and more precise than
    starting psql."""
    params = b"user\0%s\0database\0%s\0\0" % (user.encode(), database.encode())
    startup = struct.pack("!ii", 8 + len(params), 196608) + params
    try:
        with socket.create_connection(("127.0.0.1", port),
                                      timeout=timeout) as s:
            s.sendall(startup)
            buffer = b""
            while True:
                while len(buffer) >= 5:
                    kind = buffer[:1]
                    length = struct.unpack("!i", buffer[1:5])[0]
                    if len(buffer) < 1 + length:
                        break
                    if kind == b"Z":
                        s.sendall(b"X\0\0\0\4")  # Terminate
                        return True
                    if kind == b"E":
                        return False
                    buffer = buffer[1 + length:]
                chunk = s.recv(4096)
                if not chunk:
                    return False
                buffer += chunk
    except OSError:
        return False


class Cluster:
    """A private PostgreSQL 15 cluster under `root`/`name` on 127.0.0.1:port
    (TCP only), created with initdb (trust authentication) or as a streaming
    standby of another (pg_basebackup -R). initdb refuses root: as root the
    directory belongs to `postgres` and initdb/pg_ctl run as that user."""

    def __init__(self, root, name):
        self.dir = os.path.join(root, name)
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "log")
        self.port = free_port()
        os.makedirs(self.dir, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
            shutil.chown(self.dir, "postgres", "postgres")
            os.chmod(self.dir, 0o700)

    @staticmethod
    def as_owner(argv):
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--"] + argv
        return argv

    def run(self, argv, timeout=120):
        done = subprocess.run(self.as_owner(argv), cwd="/",
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise Failure("%s failed (%d):\n%s%s" %
                          (" ".join(argv), done.returncode, done.stdout,
                           done.stderr))
        return done.stdout

    def init(self, settings=()):
        self.run([os.path.join(PG_BIN, "initdb"), "-D", self.data, "-U",
                  "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8"])
        self.configure(settings)

    def configure(self, settings):
        """Appends `settings` ("name = value" lines) to postgresql.conf."""
        if not settings:
            return
        conf = os.path.join(self.data, "postgresql.conf")
        with open(conf, "a") as f:
            f.write("\n" + "\n".join(settings) + "\n")

    def standby_of(self, primary):
        """Makes this cluster a streaming standby of `primary` (running)."""
        self.run([os.path.join(PG_BIN, "pg_basebackup"), "-h", "127.0.0.1",
                  "-p", str(primary.port), "-U", "postgres", "-D", self.data,
                  "-R", "-X", "stream", "-c", "fast"], timeout=300)

    def start_command(self, wait):
        return [os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-l",
                self.log, "-w" if wait else "-W", "-t", "60", "-o",
                "-p %d -k '' -c listen_addresses=127.0.0.1" % self.port,
                "start"]

    def start(self):
        self.run(self.start_command(wait=True))

    def restart_after_kill(self, timeout=60):
        """Starts the cluster again after kill() and waits until it accepts
        connections (pg_ctl start -w), retrying while the killed server's
        backends still hold its shared memory (the new postmaster then exits
        at once and pg_ctl fails)."""
        deadline = time.monotonic() + timeout
        while True:
            done = subprocess.run(self.as_owner(self.start_command(True)),
                                  cwd="/", capture_output=True, text=True,
                                  timeout=90)
            if done.returncode == 0:
                return
            if time.monotonic() >= deadline:
                raise Failure("cluster %s did not start again:\n%s%s\n%s" %
                              (self.dir, done.stdout, done.stderr,
                               read(self.log, 3000)))
            time.sleep(0.05)

    def url(self, database="postgres"):
        return "postgresql://postgres@127.0.0.1:%d/%s" % (self.port, database)

    def postmaster_pid(self):
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as f:
                return int(f.readline())
        except (OSError, ValueError):
            return None

    @staticmethod
    def alive(pid):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        # A zombie (not yet reaped) counts as gone.
        try:
            with open("/proc/%d/stat" % pid) as f:
                return f.read().split(") ", 1)[1][:1] != "Z"
        except OSError:
            return False

    def kill(self):
        """SIGKILL to the postmaster; returns once it is gone."""
        pid = self.postmaster_pid()
        if pid is None:
            raise Failure("no postmaster.pid in %s" % self.data)
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not self.alive(pid), 10, "the postmaster exits")

    def promote(self):
        self.run([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-w",
                  "-t", "60", "promote"])

    def stop(self):
        """Stops the cluster if it runs (immediate mode); never raises."""
        if self.postmaster_pid() is None:
            return
        subprocess.run(self.as_owner([os.path.join(PG_BIN, "pg_ctl"), "-D",
                                      self.data, "-m", "immediate", "-w",
                                      "-t", "30", "stop"]),
                       cwd="/", capture_output=True, timeout=60)


def make_root(prefix):
    """A fresh temporary directory for clusters and logs."""
    root = tempfile.mkdtemp(prefix=prefix)
    os.chmod(root, 0o755)
    return root


SERVING = "SERVING"
NOT_SERVING = "NOT_SERVING"


class Health:
    """grpc.health.v1.Health/Check of userd (overall, service ""). The
    messages are tiny, so they are written by hand: an empty request, and a
    response whose field 1 is the status (1 SERVING, 2 NOT_SERVING)."""

    def __init__(self, address):
        import grpc
        self._grpc = grpc
        self.channel = grpc.insecure_channel(address)
        self.call = self.channel.unary_unary("/grpc.health.v1.Health/Check")

    def status(self, timeout=0.5):
        try:
            answer = self.call(b"", timeout=timeout)
        except self._grpc.RpcError as e:
            return e.code().name
        return {b"\x08\x01": SERVING, b"\x08\x02": NOT_SERVING}.get(
            answer, "status bytes %r" % answer)

    def close(self):
        self.channel.close()
