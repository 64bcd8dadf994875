#!/usr/bin/python3
"""The UpdateUser benchmark: one run, every number a ratio to a baseline
measured in the same run (tests/bench/RESULTS.md explains each).

  run_bench.py --build-dir build --database-url postgresql://postgres@HOST:PORT/postgres
               [--users 100000] [--rounds 3] [--duration 5] [--warmup 1]
               [--concurrency 16]
               [--probe-concurrency 4] [--probe-rate 100]
               [--pin-db | --no-pin-db]
               [--sweep [--sweep-users 10000,100000,1000000,10000000]]
               [--out-dir .data/bench] [--smoke]

--database-url is a superuser URL; the benchmark creates its own database
there (dropped at the end), loads --users users into project `default`,
starts `userd` and `user-gateway` with their default settings and measures:

  1. pgbench -M prepared on the exact statement of a single-field UpdateUser
     (tests/bench/update_statement_sql prints it), random users;
  2. UpdateUser of display_name through userd (tests/bench/grpc_update_load),
     and grpc.health.v1.Health/Check through userd: a gRPC call that does
     nothing, the floor under every UpdateUser on this machine; then both
     again paced at PACED_SHARE of the round's UpdateUser throughput, which
     compares their CPU per call at one call rate (a figure, not a target);
  3. the same through user-gateway: v1 (bearer API key) and neptun (cookie;
     an email change, which rotates the session, compared with the same
     change over gRPC) with wrk;
  4. password changes through userd against in-process Argon2 throughput
     (tests/bench/argon2_throughput), and the p99 of display_name updates
     paced at --probe-rate calls/s by --probe-concurrency callers, with and
     without them;
  5. RSS of both processes: idle, and peak (VmHWM, reset before each phase)
     under 2, 3 and 4 (under 2 and 3 in the first round only: later rounds
     follow a password phase whose Argon2 memory userd still holds); and
     userd's once its hashing threads have given their Argon2 memory back
     (userd --hash-memory-idle-seconds, 30 by default; not in --smoke).

For every phase it also records where the CPU went: cores used by userd,
user-gateway, PostgreSQL (the postmaster and its children) and the load
clients (pgbench, grpc_update_load, wrk), from /proc and getrusage; and how
many context switches userd's threads made per call (voluntary ones are a
thread going to sleep and being woken again: the hand-offs of a call) and
what PostgreSQL wrote to its WAL (pg_stat_wal: bytes, full-page images),
as "userd_switches", "wal_bytes" and "wal_fpi" per second in the JSON's
cpu_cores.

Two modes (tests/bench/cpu_pinning.py): "unpinned", every process on every
CPU, runs all the phases above; "pinned", PostgreSQL (the postmaster and all
its children) on one CPU and userd, the gateway, this script and the load
clients on the others, as when the database has a server of its own, runs
pgbench, UpdateUser and Health/Check. pgbench's client then runs beside the
gRPC load and its backends on the database CPU. By default both run;
--pin-db runs only the pinned mode, --no-pin-db only the unpinned one.

The phases run --rounds times, interleaved (all phases of every mode, then
all again), so that the machine's drifting speed touches the baselines and
the service alike; every number reported is the median over the rounds
(each round's figures are kept in the JSON).

Prints one table per mode and the targets, and writes them as JSON to
OUT_DIR/<UTC time>-<commit>.json and OUT_DIR/latest.json: "modes" holds
{mode: {"results", "cpu_cores"}}, "targets" a list of {"name", "value",
"bound": {"op": ">=" or "<=", "value"}, "met"} (value and met null when the
run did not measure what a target needs), "figures" a list of {"name",
"value"}: ratios reported beside the targets, without a bound.

--sweep replaces all of this: users are loaded set-based (one INSERT ...
SELECT generate_series, one precomputed Argon2 hash per half of them,
tests/bench/password_hash) up to each of --sweep-users in turn, and at each
size UpdateUser and two kinds of gRPC login (SessionService/CreateSession)
run in the selected modes: users with odd ids have a hash with userd's
Argon2 parameters, so their logins are bound by Argon2; users with even ids
one with the smallest parameters Argon2 allows, so their logins cost what
the rest of a login costs (the lookup, the session insert, gRPC). Prints
each size's load time and per-call figures; writes
OUT_DIR/<UTC time>-<commit>-sweep.json and OUT_DIR/latest-sweep.json.

--smoke: 2,000 users (or --sweep-users), one round of 2-second phases
(1-second with --sweep), no warm-up, userd hashing at normal priority (so
that a busy machine cannot starve its password phase), and a check that
every phase made successful calls with no errors (exit 1 otherwise); ratios
are never asserted.
"""

import argparse
import datetime
import glob
import hashlib
import json
import os
import re
import resource
import secrets
import statistics
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import cpu_pinning

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PG_BIN = "/usr/lib/postgresql/15/bin"
MIB = 1024 * 1024
# userd's defaults (services/userd/main.cc), which the benchmark keeps.
ARGON2_MEMORY_KIB = 19456
ARGON2_ITERATIONS = 2
HASH_MEMORY_IDLE_SECONDS = 30
# The paced phases run at this share of the round's UpdateUser throughput:
# below it, so that the paced UpdateUser keeps up.
PACED_SHARE = 0.8


class BenchError(Exception):
    pass


def pg_tool(name):
    path = os.path.join(PG_BIN, name)
    return path if os.access(path, os.X_OK) else name


def with_database(url, name):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def psql(url, sql, capture=False, timeout=600):
    result = subprocess.run(
        [pg_tool("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
         url, "-c", sql],
        check=True, timeout=timeout, text=True,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL)
    return result.stdout.strip() if capture else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_json(command, env=None, timeout=None):
    """Runs a tool that prints one JSON object as its last stdout line."""
    result = subprocess.run(command, env=env, timeout=timeout, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if result.returncode != 0:
        raise BenchError("%s failed (%d): %s" % (
            os.path.basename(command[0]), result.returncode,
            result.stderr[-2000:]))
    lines = [l for l in result.stdout.splitlines() if l.startswith("{")]
    if not lines:
        raise BenchError("%s printed no result: %s" % (command[0],
                                                       result.stdout[-2000:]))
    return json.loads(lines[-1])


class Process:
    """A benchmarked server process, its log in a file."""

    def __init__(self, name, command, log_dir):
        self.name = name
        self.log_path = os.path.join(log_dir, name + ".log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(command, stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def alive(self):
        return self.proc.poll() is None

    def status_kib(self, field):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise BenchError("no %s for %s" % (field, self.name))

    def rss_mib(self):
        return self.status_kib("VmRSS") / 1024

    def reset_peak(self):
        # Linux: writing 5 resets VmHWM to the current RSS.
        with open("/proc/%d/clear_refs" % self.proc.pid, "w") as f:
            f.write("5")

    def peak_mib(self):
        return self.status_kib("VmHWM") / 1024

    def stop(self):
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def tail(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()[-3000:]


def proc_cpu_seconds(pid, children=False):
    """utime + stime of a live process (and of its reaped children)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def context_switches(pid):
    """Voluntary and involuntary context switches of every live thread of
    PID: how often its threads went to sleep or were preempted."""
    total = 0
    for task in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/status" % (pid, task)) as f:
                for line in f:
                    if line.split(":")[0].endswith("ctxt_switches"):
                        total += int(line.split()[1])
        except OSError:
            pass  # the thread ended meanwhile
    return total


class CpuMeter:
    """CPU seconds used so far by userd, the gateway, the PostgreSQL
    cluster and this script's finished child processes (the load clients)."""

    def __init__(self, url, userd, gateway):
        self.url = url
        data_dir = psql(url, "SHOW data_directory", capture=True)
        with open(os.path.join(data_dir, "postmaster.pid")) as f:
            self.postmaster = int(f.readline())
        self.userd = userd
        self.gateway = gateway

    def postgres_seconds(self):
        total = proc_cpu_seconds(self.postmaster, children=True)
        for pid in cpu_pinning.children_of(self.postmaster):
            try:
                total += proc_cpu_seconds(pid)
            except (OSError, IndexError):
                pass  # exited meanwhile: counted in the postmaster's children
        return total

    def snapshot(self):
        clients = resource.getrusage(resource.RUSAGE_CHILDREN)
        return {
            "userd": proc_cpu_seconds(self.userd.proc.pid),
            "gateway": proc_cpu_seconds(self.gateway.proc.pid),
            "postgres": self.postgres_seconds(),
            "clients": clients.ru_utime + clients.ru_stime,
            # Not CPU: divided by the calls, how often a call put one of
            # userd's threads to sleep (wake-ups per call).
            "userd_switches": context_switches(self.userd.proc.pid),
            # Nor these: the cluster's WAL bytes and full-page images
            # (pg_stat_wal), per call what a write costs the log.
            **self.wal(),
            "wall": time.monotonic(),
        }

    def wal(self):
        row = psql(self.url, "SELECT wal_bytes, wal_fpi FROM pg_stat_wal",
                   capture=True).split("|")
        return {"wal_bytes": float(row[0]), "wal_fpi": float(row[1])}

    @staticmethod
    def cores(before, after):
        wall = after["wall"] - before["wall"]
        return {k: (after[k] - before[k]) / wall for k in after if k != "wall"}


def wait_until(what, ready, processes, timeout=60):
    """Polls `ready` until it is true; fails early when a process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in processes:
            if not p.alive():
                raise BenchError("%s exited while waiting for %s:\n%s" % (
                    p.name, what, p.tail()))
        if ready():
            return
        time.sleep(0.05)
    raise BenchError("timed out waiting for " + what)


def http_ready(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


class Bench:
    def __init__(self, args):
        self.args = args
        self.build = os.path.abspath(args.build_dir)
        self.tmp = tempfile.mkdtemp(prefix="users-bench.")
        self.processes = []
        self.database = "bench_%d" % os.getpid()
        self.url = with_database(args.database_url, self.database)
        self.token = secrets.token_urlsafe(32)
        self.memory = {}
        # Per mode ("unpinned", "pinned"): each phase's round results and
        # the cores used meanwhile; `modes_report` holds their medians.
        self.mode = "unpinned"
        self.rounds = {}
        self.round_cores = {}
        self.modes_report = {}
        self.pinning = None
        self.passwords_ran = False

    def tool(self, *parts):
        path = os.path.join(self.build, *parts)
        if not os.access(path, os.X_OK):
            raise BenchError(path + " is not built")
        return path

    # -- setup ------------------------------------------------------------

    def create_database(self):
        psql(self.args.database_url, "CREATE DATABASE %s" % self.database)
        subprocess.run([self.tool("services", "userd", "userd"), "migrate",
                        "--database-url", self.url], check=True, timeout=120,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def load_users(self):
        """--users users in project `default`, with sessions for the cookie
        and email phases written to files."""
        psql(self.url, """
INSERT INTO projects (id) VALUES ('default') ON CONFLICT DO NOTHING;
INSERT INTO users (project_id, username, username_key, email, email_key,
                   password_hash, given_name, display_name)
SELECT 'default', 'bench' || g, 'bench' || g, 'bench' || g || '@bench.example',
       'bench' || g || '@bench.example',
       'not a password hash: benchmark users never log in',
       'Given ' || g, 'User ' || g
  FROM generate_series(1, %d) AS g;
""" % self.args.users)
        psql(self.url, "VACUUM ANALYZE")
        bounds = psql(self.url, "SELECT min(id), max(id) FROM users",
                      capture=True)
        self.first_id, self.last_id = (int(x) for x in bounds.split("|"))
        # Distinct users for the session phases: neptun through the gateway
        # (its warm-up rotates the sessions it uses, so it has its own), and
        # the gRPC equivalent. Each round uses fresh sessions: the rounds
        # before rotated theirs. The phases on random users draw from the
        # users after these, since a password change ends the user's
        # sessions.
        per_phase = sessions_per_phase(self.args)
        first = self.first_id
        self.sessions = []
        for round_ in range(self.args.rounds):
            sets = {}
            for name in ("neptun", "neptun-warmup", "grpc"):
                sets[name] = self.write_sessions(
                    "%s-%d" % (name, round_), range(first, first + per_phase))
                first += per_phase
            self.sessions.append(sets)
        self.random_first_id = first

    def write_sessions(self, name, user_ids):
        path = os.path.join(self.tmp, name + "-sessions.txt")
        rows = []
        with open(path, "w") as f:
            for user_id in user_ids:
                token = secrets.token_urlsafe(32)
                f.write("%d %s\n" % (user_id, token))
                rows.append("('default', %d, decode('%s', 'hex'), "
                            "now() + interval '1 day')" % (
                                user_id,
                                hashlib.sha256(token.encode()).hexdigest()))
        psql(self.url, "INSERT INTO sessions (project_id, user_id, token_hash,"
             " expire_time) VALUES " + ",".join(rows))
        return path

    def start_servers(self):
        self.userd_address = "127.0.0.1:%d" % free_port()
        gateway_port = free_port()
        self.gateway_url = "http://127.0.0.1:%d" % gateway_port
        userd_flags = []
        if self.args.smoke:
            # Hashing at idle priority gets no CPU at all on a machine kept
            # busy by something else (a build, other tests), and the smoke
            # run must not fail for that.
            userd_flags = ["--hash-priority", "normal"]
        self.userd = Process("userd", [
            self.tool("services", "userd", "userd"),
            "--listen", self.userd_address, "--database-url", self.url,
            "--bootstrap-token", self.token] + userd_flags, self.tmp)
        self.processes.append(self.userd)
        self.gateway = Process("user-gateway", [
            self.tool("gateway", "user-gateway"),
            "--listen", "127.0.0.1:%d" % gateway_port,
            "--userd-address", self.userd_address], self.tmp)
        self.processes.append(self.gateway)
        wait_until("user-gateway /readyz",
                   lambda: http_ready(self.gateway_url + "/readyz"),
                   self.processes)
        self.memory["userd_idle_mib"] = self.userd.rss_mib()
        self.memory["gateway_idle_mib"] = self.gateway.rss_mib()
        self.cpu_meter = CpuMeter(self.url, self.userd, self.gateway)
        if "pinned" in self.args.modes:
            self.pinning = cpu_pinning.Pinning(
                self.args.cpu_split, self.cpu_meter.postmaster,
                lambda: [p.proc.pid for p in self.processes if p.alive()])

    def enter_mode(self, mode):
        """Moves PostgreSQL, the servers and this script (so the load
        clients it starts next) to the CPUs of `mode`."""
        self.mode = mode
        if self.pinning is not None:
            if mode == "pinned":
                self.pinning.pin()
            else:
                self.pinning.unpin()

    # -- phases -------------------------------------------------------------

    def pgbench(self):
        """pgbench -M prepared on the statement UpdateUser runs for a
        display_name update; parameters passed as text, as userd does. The
        one exception is $3 (expected version, '' for none): pgbench has no
        empty variables, so it is written as the literal ''."""
        sql = subprocess.run(
            [self.tool("tests", "bench", "update_statement_sql"),
             "display_name"], check=True, text=True, timeout=30,
            stdout=subprocess.PIPE).stdout
        script = os.path.join(self.tmp, "update.sql")
        with open(script, "w") as f:
            f.write("\\set p2 random(%d, %d)\n" % (self.random_first_id,
                                                    self.last_id))
            f.write("\\set p7 random(1, 1000000000)\n")
            sql = re.sub(r"\$3\b", "''", sql.strip())
            f.write(re.sub(r"\$(\d+)", r":p\1", sql) + ";\n")
        # A directory of its own per run: pgbench names its logs by pid,
        # and the logs of earlier runs must not be read as this one's.
        log_prefix = os.path.join(tempfile.mkdtemp(dir=self.tmp), "pgbench")
        seconds = self.args.warmup + self.args.duration
        command = [
            pg_tool("pgbench"), "-n", "-M", "prepared",
            "-c", str(self.args.concurrency), "-j", "2",
            "-T", str(seconds), "-f", script,
            "-D", "p1=default", "-D", "p4=pgbench",
            "-D", 'p5=["display_name"]', "-D", "p6=pgbench",
            "-l", "--log-prefix", log_prefix, self.url]
        result = subprocess.run(command, text=True, timeout=seconds + 120,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if result.returncode != 0:
            raise BenchError("pgbench failed: " + result.stderr[-2000:])
        # Per-transaction logs: "client tx latency_us script epoch_s us".
        done = []
        for path in glob.glob(log_prefix + ".*"):
            with open(path) as f:
                for line in f:
                    fields = line.split()
                    done.append((int(fields[4]) * 1000000 + int(fields[5]),
                                 int(fields[2])))
        if not done:
            raise BenchError("pgbench logged no transactions")
        start = min(t for t, _ in done) - min(l for _, l in done)
        window_from = start + self.args.warmup * 1000000
        window_to = window_from + self.args.duration * 1000000
        latencies = sorted(l for t, l in done if window_from <= t <= window_to)
        failed = re.search(r"number of failed transactions: (\d+)",
                           result.stdout)
        return summarize(latencies, self.args.duration,
                         {"failed": int(failed.group(1)) if failed else 0})

    def grpc_load(self, field, concurrency, extra=(), first_id=None):
        command = [self.tool("tests", "bench", "grpc_update_load"),
                   "--target", self.userd_address, "--token", self.token,
                   "--field", field,
                   "--first-id", str(first_id or self.random_first_id),
                   "--last-id", str(self.last_id),
                   "--concurrency", str(concurrency),
                   "--duration-seconds", str(self.args.duration),
                   "--warmup-seconds", str(self.args.warmup)]
        return command + list(extra)

    def grpc(self, field, concurrency=None, extra=()):
        return run_json(self.grpc_load(field, concurrency or
                                       self.args.concurrency, extra),
                        timeout=self.args.duration + self.args.warmup + 120)

    def wrk(self, script, env, warmup_env=None):
        """wrk with `script`: a warm-up run (with `warmup_env` over `env`
        when given), then the measured one."""
        threads = 2
        base_env = dict(os.environ, BENCH_LUA_DIR=HERE,
                        BENCH_WRK_THREADS=str(threads))
        full_env = dict(base_env, **env)
        command = ["wrk", "-t", str(threads), "-c",
                   str(self.args.concurrency), "--latency",
                   "-s", os.path.join(HERE, script), self.gateway_url]
        if self.args.warmup > 0:
            run_json(command[:1] + ["-d", "%ds" % self.args.warmup] +
                     command[1:], env=dict(full_env, **(warmup_env or {})),
                     timeout=self.args.warmup + 60)
        return run_json(command[:1] + ["-d", "%ds" % self.args.duration] +
                        command[1:], env=full_env,
                        timeout=self.args.duration + 60)

    def phase(self, keys, measure, peak_of=(), peak_key=None):
        """Runs `measure`, which returns one result per key of `keys`, and
        appends them to this run's rounds, with the cores each component
        used meanwhile; keeps the highest peak RSS of `peak_of`. Once a
        password phase has run, only password phases record a peak: userd's
        hashing threads keep their Argon2 memory for
        --hash-memory-idle-seconds after the last hash, and a peak taken
        meanwhile would be theirs, not the phase's."""
        if self.passwords_ran and peak_key != "passwords":
            peak_of = ()
        for p in peak_of:
            p.reset_peak()
        before = self.cpu_meter.snapshot()
        results = measure()
        cores = CpuMeter.cores(before, self.cpu_meter.snapshot())
        rounds = self.rounds.setdefault(self.mode, {})
        round_cores = self.round_cores.setdefault(self.mode, {})
        for key, result in zip(keys, results):
            rounds.setdefault(key, []).append(result)
            round_cores.setdefault(key, []).append(cores)
        for p in peak_of:
            key = "%s_%s_peak_mib" % (p.name.replace("user-", ""), peak_key)
            self.memory[key] = max(self.memory.get(key, 0), p.peak_mib())

    def run(self):
        self.create_database()
        self.load_users()
        self.start_servers()
        print("bench: %d users, %d round(s) of %ds phases, %d-way" % (
            self.args.users, self.args.rounds, self.args.duration,
            self.args.concurrency), file=sys.stderr, flush=True)
        for round_ in range(self.args.rounds):
            self.run_round(round_)
        if not self.args.smoke:
            self.memory["userd_idle_after_load_mib"] = self.settled_rss(
                self.userd, HASH_MEMORY_IDLE_SECONDS + 15)
        self.modes_report = self.medians()

    def medians(self):
        """{mode: {"results": medians per phase, "cpu_cores": mean cores per
        phase and component}} of the rounds so far; then starts afresh."""
        report = {}
        for mode, phases in self.rounds.items():
            results, cpu = {}, {}
            for key, rounds in phases.items():
                results[key] = median_result(rounds)
                cores = self.round_cores[mode][key]
                cpu[key] = {component: statistics.mean(c[component]
                                                       for c in cores)
                            for component in cores[0]}
            report[mode] = {"results": results, "cpu_cores": cpu}
            if mode == "pinned":
                report[mode]["cpus"] = self.args.cpu_split.describe()
        self.rounds, self.round_cores = {}, {}
        return report

    def settled_rss(self, process, timeout):
        """RSS once it is back within 8 MiB of the idle figure measured at
        start, or at `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.rss_mib() < self.memory["userd_idle_mib"] + 8:
                break
            time.sleep(1)
        return process.rss_mib()

    def run_round(self, round_):
        """Every phase of every mode once. Rounds interleave the phases (and
        the modes), so that a drift of the machine's speed touches baseline
        and service alike."""
        for mode in self.args.modes:
            self.enter_mode(mode)
            if mode == "pinned":
                self.pinned_phases()
            else:
                self.unpinned_phases(round_)
        self.enter_mode("unpinned")

    def pinned_phases(self):
        """The database-bound comparison: pgbench against UpdateUser, and
        Health/Check for what the service's core alone can carry."""
        self.phase(["pgbench_update"], lambda: [self.pgbench()])
        self.phase(["grpc_update"], lambda: [self.grpc("display_name")])
        self.phase(["grpc_health"], lambda: [self.grpc("health")])

    def unpinned_phases(self, round_):
        sessions = self.sessions[round_]
        self.phase(["pgbench_update"], lambda: [self.pgbench()])
        self.phase(["grpc_update"], lambda: [self.grpc("display_name")],
                   [self.userd], "grpc")
        self.phase(["grpc_health"], lambda: [self.grpc("health")])
        self.phase(["http_v1_update"], lambda: [self.wrk(
            "wrk_v1_update.lua", {
                "BENCH_TOKEN": self.token,
                "BENCH_FIRST_ID": str(self.random_first_id),
                "BENCH_LAST_ID": str(self.last_id)})],
            [self.userd, self.gateway], "http")
        paced = ["--rate", str(self.paced_rate())]
        self.phase(["grpc_update_paced"],
                   lambda: [self.grpc("display_name", extra=paced)])
        self.phase(["grpc_health_paced"],
                   lambda: [self.grpc("health", extra=paced)])
        self.phase(["grpc_email_rotate"], lambda: [self.grpc(
            "email", extra=["--sessions", sessions["grpc"]])])
        self.phase(["http_neptun_email_rotate"], lambda: [self.wrk(
            "wrk_neptun_update.lua", {"BENCH_SESSIONS": sessions["neptun"]},
            {"BENCH_SESSIONS": sessions["neptun-warmup"]})])
        self.phase(["argon2_in_process"], lambda: [run_json(
            [self.tool("tests", "bench", "argon2_throughput"),
             "--memory-kib", str(ARGON2_MEMORY_KIB),
             "--iterations", str(ARGON2_ITERATIONS),
             "--duration-seconds", str(self.args.duration),
             "--warmup-seconds", str(self.args.warmup)],
            timeout=self.args.duration + self.args.warmup + 120)])
        self.phase(["probe_alone"], lambda: [self.grpc(
            "display_name", self.args.probe_concurrency,
            self.probe_extra(2 + round_))])
        self.phase(["grpc_password", "probe_during_passwords"],
                   lambda: self.passwords_with_probe(round_), [self.userd],
                   "passwords")
        self.passwords_ran = True

    def paced_rate(self):
        """Calls per second for the paced phases: PACED_SHARE of what
        UpdateUser carried in this round, so that the paced UpdateUser keeps
        up and both paced phases run at one rate."""
        update = self.rounds["unpinned"]["grpc_update"][-1]
        return max(1, int(update["throughput"] * PACED_SHARE))

    def probe_extra(self, seed):
        return ["--seed", str(seed), "--rate", str(self.args.probe_rate)]

    def passwords_with_probe(self, round_):
        """Password changes, and the paced probe at the same time; returns
        both results."""
        env_timeout = self.args.duration + self.args.warmup + 120
        passwords = subprocess.Popen(
            self.grpc_load("password", self.args.concurrency),
            text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        probe = run_json(
            self.grpc_load("display_name", self.args.probe_concurrency,
                           self.probe_extra(100 + round_)),
            timeout=env_timeout)
        out, err = passwords.communicate(timeout=env_timeout)
        if passwords.returncode != 0:
            raise BenchError("password load failed: " + err[-2000:])
        return [json.loads(out.strip().splitlines()[-1]), probe]

    def close(self):
        if self.pinning is not None:
            self.pinning.unpin()  # the cluster may outlive this script
        for p in reversed(self.processes):
            p.stop()
        try:
            psql(self.args.database_url,
                 "DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.database)
        except subprocess.CalledProcessError:
            print("bench: could not drop database " + self.database,
                  file=sys.stderr)
        shutil.rmtree(self.tmp, ignore_errors=True)


def summarize(latencies_us, window_seconds, errors):
    """Nearest-rank percentiles, as tests/bench/latency_summary.cc."""
    def rank(percent):
        index = max(1, -(-len(latencies_us) * percent // 100))
        return latencies_us[min(index, len(latencies_us)) - 1] / 1000.0
    if not latencies_us:
        return {"calls": 0, "throughput": 0, "p50_ms": 0, "p99_ms": 0,
                "max_ms": 0, "errors": errors}
    return {"calls": len(latencies_us),
            "throughput": len(latencies_us) / window_seconds,
            "p50_ms": rank(50), "p99_ms": rank(99),
            "max_ms": latencies_us[-1] / 1000.0, "errors": errors}


def sessions_per_phase(args):
    return max(4 * args.concurrency, 64)


def median_result(results):
    """The median of each number over the rounds; error counts summed."""
    merged = {}
    for key, value in results[0].items():
        if isinstance(value, (int, float)):
            merged[key] = statistics.median(r[key] for r in results)
        elif isinstance(value, dict):
            merged[key] = {k: sum(r[key].get(k, 0) for r in results)
                           for r in results for k in r[key]}
    merged["rounds"] = [{k: r[k] for k in ("throughput", "p50_ms", "p99_ms")}
                        for r in results]
    return merged


# -- the sweep ---------------------------------------------------------------


class Sweep(Bench):
    """--sweep: UpdateUser and logins at growing numbers of users, to show
    how the cost of a call grows with the table. Every user's password is
    SWEEP_PASSWORD; users with odd ids share one hash made with userd's
    Argon2 parameters, those with even ids one made with the smallest
    parameters Argon2 allows, so that a login of theirs costs what a login
    costs besides the hash."""

    def run(self):
        self.create_database()
        psql(self.url, "INSERT INTO projects (id) VALUES ('default') "
             "ON CONFLICT DO NOTHING")
        self.hashes = {
            "userd": self.password_hash(ARGON2_MEMORY_KIB, ARGON2_ITERATIONS),
            "minimal": self.password_hash(8, 1)}
        self.start_servers()
        self.steps = []
        loaded = 0
        for users in self.args.sweep_users:
            step = {"users": users}
            step.update(self.grow(loaded, users))
            loaded = users
            self.random_first_id, self.last_id = 1, users
            print("bench sweep: %d users (loaded in %.1f s), %d round(s) of "
                  "%ds phases" % (users, step["load_seconds"],
                                  self.args.rounds, self.args.duration),
                  file=sys.stderr, flush=True)
            for _ in range(self.args.rounds):
                for mode in self.args.modes:
                    self.enter_mode(mode)
                    self.sweep_phases()
            self.enter_mode("unpinned")
            step["modes"] = self.medians()
            self.steps.append(step)

    def password_hash(self, memory_kib, iterations):
        return subprocess.run(
            [self.tool("tests", "bench", "password_hash"),
             "--password", SWEEP_PASSWORD, "--memory-kib", str(memory_kib),
             "--iterations", str(iterations)],
            check=True, text=True, timeout=60,
            stdout=subprocess.PIPE).stdout.strip()

    def grow(self, loaded, users):
        """Adds users loaded+1 .. users (user id = the number in the
        username) in one transaction: one INSERT ... SELECT, with the
        table's secondary indexes dropped before and built again after,
        since sorting once is far cheaper than millions of index insertions.
        Returns the seconds it took and those of the VACUUM ANALYZE
        after."""
        indexes = psql(self.url, """
SELECT pg_get_indexdef(x.indexrelid)
  FROM pg_index x
 WHERE x.indrelid = 'users'::regclass
   AND NOT EXISTS (SELECT FROM pg_constraint c
                    WHERE c.conindid = x.indexrelid)""",
                       capture=True).splitlines()
        names = [re.match(r"CREATE (?:UNIQUE )?INDEX (\S+) ", d).group(1)
                 for d in indexes]
        started = time.monotonic()
        psql(self.url, "BEGIN;\nSET LOCAL maintenance_work_mem = '512MB';\n" +
             "".join("DROP INDEX %s;\n" % name for name in names) + """
INSERT INTO users (project_id, id, username, username_key, email, email_key,
                   password_hash, given_name, display_name)
SELECT 'default', g, 'bench' || g, 'bench' || g,
       'bench' || g || '@bench.example', 'bench' || g || '@bench.example',
       CASE WHEN g %% 2 = 1 THEN '%s' ELSE '%s' END,
       'Given ' || g, 'User ' || g
  FROM generate_series(%d, %d) AS g;
""" % (self.hashes["userd"], self.hashes["minimal"], loaded + 1, users) +
             "".join(d + ";\n" for d in indexes) +
             "SELECT setval('user_ids', %d);\nCOMMIT;" % users, timeout=None)
        inserted = time.monotonic()
        psql(self.url, "VACUUM ANALYZE users", timeout=None)
        vacuumed = time.monotonic()
        size = psql(self.url, "SELECT pg_total_relation_size('users')",
                    capture=True)
        return {"load_seconds": inserted - started,
                "vacuum_analyze_seconds": vacuumed - inserted,
                "table_mib": int(size) / MIB}

    def sweep_phases(self):
        self.phase(["grpc_update"], lambda: [self.grpc("display_name")])
        self.phase(["grpc_login"], lambda: [self.login(first_id=1)])
        self.phase(["grpc_login_minimal_hash"],
                   lambda: [self.login(first_id=2)])

    def login(self, first_id):
        """Logins of random users with odd (first_id 1) or even (2) ids."""
        return run_json(
            self.grpc_load("login", self.args.concurrency,
                           ["--password", SWEEP_PASSWORD, "--id-step", "2"],
                           first_id=first_id),
            timeout=self.args.duration + self.args.warmup + 120)


SWEEP_PASSWORD = "bench sweep password"

# -- targets and the report ----------------------------------------------------


def figure(modes, mode, key, field):
    """results[key][field] of `mode`; None when that was not measured."""
    results = modes.get(mode, {}).get("results", {})
    return results[key][field] if key in results else None


def cpu_ms_per_call(modes, mode, key, component):
    """Milliseconds of `component`'s CPU per call of phase `key`."""
    throughput = figure(modes, mode, key, "throughput")
    if not throughput:
        return None
    return modes[mode]["cpu_cores"][key][component] * 1000 / throughput


def ratio(a, b):
    return a / b if a is not None and b else None


# Each of these returns a target's value from the modes' results (and the
# memory figures): phase a's figure over phase b's.
def throughput_ratio(mode, a, b):
    return lambda modes, _: ratio(figure(modes, mode, a, "throughput"),
                                  figure(modes, mode, b, "throughput"))


def p99_ratio(a, b):
    return lambda modes, _: ratio(figure(modes, "unpinned", a, "p99_ms"),
                                  figure(modes, "unpinned", b, "p99_ms"))


def cpu_ratio(component, a, b):
    return lambda modes, _: ratio(
        cpu_ms_per_call(modes, "unpinned", a, component),
        cpu_ms_per_call(modes, "unpinned", b, component))


def userd_idle_rss(_, memory):
    return max(memory["userd_idle_mib"],
               memory.get("userd_idle_after_load_mib", 0))


# (name, op, bound, value). Targets without "database pinned" in their name
# are of the unpinned mode.
TARGETS = [
    ("gRPC / pgbench throughput", ">=", 0.60,
     throughput_ratio("unpinned", "grpc_update", "pgbench_update")),
    ("gRPC / pgbench throughput, database pinned", ">=", 0.85,
     throughput_ratio("pinned", "grpc_update", "pgbench_update")),
    ("userd CPU per UpdateUser / per Health/Check", "<=", 4.0,
     cpu_ratio("userd", "grpc_update", "grpc_health")),
    ("PostgreSQL CPU per UpdateUser / per pgbench transaction", "<=", 1.15,
     cpu_ratio("postgres", "grpc_update", "pgbench_update")),
    ("v1 gateway / gRPC throughput", ">=", 0.90,
     throughput_ratio("unpinned", "http_v1_update", "grpc_update")),
    ("v1 gateway / gRPC p99", "<=", 1.5,
     p99_ratio("http_v1_update", "grpc_update")),
    ("neptun gateway / gRPC email-rotate throughput", ">=", 0.85,
     throughput_ratio("unpinned", "http_neptun_email_rotate",
                      "grpc_email_rotate")),
    ("password changes / in-process Argon2", ">=", 0.85,
     throughput_ratio("unpinned", "grpc_password", "argon2_in_process")),
    ("probe p99 during / without passwords", "<=", 2.0,
     p99_ratio("probe_during_passwords", "probe_alone")),
    ("userd idle RSS (MiB)", "<=", 64.0, userd_idle_rss),
]


# (name, value): ratios reported beside the targets, without a bound.
FIGURES = [
    ("userd CPU per UpdateUser / per Health/Check, both paced",
     cpu_ratio("userd", "grpc_update_paced", "grpc_health_paced")),
]


def figures(modes, memory):
    """Every figure as {"name", "value"}; value is null when not measured."""
    return [{"name": name, "value": value_of(modes, memory)}
            for name, value_of in FIGURES]


def targets(modes, memory):
    """Every target as {"name", "value", "bound": {"op", "value"}, "met"};
    value and met are null when the run did not measure what the target
    needs (e.g. --pin-db alone)."""
    out = []
    for name, op, bound, value_of in TARGETS:
        value = value_of(modes, memory)
        met = None if value is None else (
            value >= bound if op == ">=" else value <= bound)
        out.append({"name": name, "value": value,
                    "bound": {"op": op, "value": bound}, "met": met})
    return out


LABELS = [
    ("pgbench_update", "pgbench: the UPDATE statement"),
    ("grpc_update", "gRPC UpdateUser display_name"),
    ("grpc_health", "gRPC Health/Check (no database)"),
    ("grpc_update_paced", "gRPC UpdateUser, paced"),
    ("grpc_health_paced", "gRPC Health/Check, paced"),
    ("http_v1_update", "HTTP v1 PATCH first_name"),
    ("grpc_email_rotate", "gRPC email change + session rotation"),
    ("http_neptun_email_rotate", "HTTP neptun PATCH email (cookie)"),
    ("argon2_in_process", "Argon2id in-process"),
    ("grpc_password", "gRPC password changes"),
    ("probe_alone", "probe display_name, alone"),
    ("probe_during_passwords", "probe display_name, during passwords"),
    ("grpc_login", "gRPC login, userd's Argon2"),
    ("grpc_login_minimal_hash", "gRPC login, minimal Argon2"),
]
COMPONENTS = ("userd", "gateway", "postgres", "clients")
# Not CPU, also recorded per phase as rates (CpuMeter.snapshot).
PER_CALL = ("userd_switches", "wal_bytes", "wal_fpi")


def mode_title(mode, modes):
    if mode == "pinned":
        cpus = modes[mode]["cpus"]
        return ("pinned: PostgreSQL on CPU %s; userd, gateway and load "
                "clients on CPU %s" % (
                    ",".join(map(str, cpus["database"])),
                    ",".join(map(str, cpus["others"]))))
    return "unpinned: every process on every CPU"


def error_count(row):
    errors = row.get("errors")
    return sum(errors.values()) if isinstance(errors, dict) else 0


def render_mode(title, results, cpu):
    lines = ["== " + title, "%-40s %12s %9s %9s %7s" % (
        "scenario", "per second", "p50 ms", "p99 ms", "errors")]
    for key, label in LABELS:
        if key in results:
            row = results[key]
            lines.append("%-40s %12.1f %9.2f %9.2f %7d" % (
                label, row["throughput"], row["p50_ms"], row["p99_ms"],
                error_count(row)))
    lines.append("")
    lines.append("%-40s %8s %8s %8s %8s %8s" % (
        "CPU: cores used (ms per call)", *COMPONENTS, "total"))
    for key, label in LABELS:
        cores = cpu.get(key)
        if not cores:
            continue
        throughput = results[key]["throughput"]
        total = sum(cores[k] for k in COMPONENTS)
        lines.append("%-40s %8s %8s %8s %8s %8s" % (
            label, *["%4.2f" % cores[k] for k in COMPONENTS],
            "%4.2f" % total))
        if throughput > 0:
            lines.append("%-40s %8s %8s %8s %8s %8s" % (
                "", *["%5.3f" % (cores[k] * 1000 / throughput)
                      for k in COMPONENTS],
                "%5.3f" % (total * 1000 / throughput)))
    lines.append("")
    lines.append("%-40s %9s %9s %9s" % (
        "per call", "userd cs", "WAL B", "WAL FPI"))
    for key, label in LABELS:
        rates = cpu.get(key, {})
        throughput = results.get(key, {}).get("throughput", 0)
        if "userd_switches" in rates and throughput > 0:
            lines.append("%-40s %9.1f %9.0f %9.2f" % (
                label, *[rates[k] / throughput for k in PER_CALL]))
    lines.append("(userd cs: context switches of userd's threads; WAL B, "
                 "WAL FPI: bytes and full-page images PostgreSQL logged)")
    return lines


def render(report):
    lines = []
    for mode in report["settings"]["modes"]:
        measured = report["modes"][mode]
        lines += render_mode(mode_title(mode, report["modes"]),
                             measured["results"], measured["cpu_cores"])
        lines.append("")
    lines.append("%-40s %9s" % ("memory", "MiB"))
    for key, value in sorted(report["memory"].items()):
        lines.append("%-40s %9.1f" % (key, value))
    lines.append("")
    lines.append("%-56s %9s %12s" % ("target", "value", "bound"))
    for t in report["targets"]:
        bound = "%3s %8.2f" % (t["bound"]["op"], t["bound"]["value"])
        if t["value"] is None:
            lines.append("%-56s %9s %s  not measured" % (t["name"], "-",
                                                          bound))
        else:
            lines.append("%-56s %9.2f %s  %s" % (
                t["name"], t["value"], bound,
                "met" if t["met"] else "MISSED"))
    lines.append("")
    lines.append("%-56s %9s" % ("figure", "value"))
    for f in report["figures"]:
        lines.append("%-56s %9s" % (
            f["name"], "-" if f["value"] is None else "%.2f" % f["value"]))
    return "\n".join(lines)


def render_sweep(report):
    lines = ["%-12s %10s %10s %10s" % ("users", "load s", "vacuum s",
                                        "table MiB")]
    for step in report["sweep"]:
        lines.append("%-12d %10.1f %10.1f %10.0f" % (
            step["users"], step["load_seconds"],
            step["vacuum_analyze_seconds"], step["table_mib"]))
    for mode in report["settings"]["modes"]:
        first = report["sweep"][0]["modes"]
        lines += ["", "== " + mode_title(mode, first)]
        lines.append("%-30s %10s %10s %8s %8s %6s %10s %10s %8s %7s" % (
            "scenario", "users", "per second", "p50 ms", "p99 ms", "errors",
            "userd ms", "postgres ms", "WAL B", "FPI"))
        for key, label in LABELS:
            for step in report["sweep"]:
                measured = step["modes"][mode]
                if key not in measured["results"]:
                    continue
                row = measured["results"][key]
                per_call = [cpu_ms_per_call(step["modes"], mode, key, c)
                            for c in ("userd", "postgres")]
                rates = measured["cpu_cores"][key]
                wal = ["-" if row["throughput"] <= 0 else
                       "%.*f" % (digits, rates[k] / row["throughput"])
                       for k, digits in (("wal_bytes", 0), ("wal_fpi", 2))]
                lines.append(
                    "%-30s %10d %10.1f %8.2f %8.2f %6d %10s %10s %8s %7s" % (
                        label, step["users"], row["throughput"],
                        row["p50_ms"], row["p99_ms"], error_count(row),
                        *["-" if v is None else "%.3f" % v for v in per_call],
                        *wal))
    lines.append("")
    lines.append("(userd ms, postgres ms: CPU per call; WAL B, FPI: bytes "
                 "and full-page images PostgreSQL logged per call)")
    return "\n".join(lines)


def git_commit():
    try:
        return subprocess.run(["git", "-C", ROOT, "rev-parse", "--short=7",
                               "HEAD"], text=True, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def smoke_failures(modes, where=""):
    """Phases that made no successful call or saw errors."""
    failures = []
    for mode, measured in modes.items():
        for key, row in measured["results"].items():
            name = "%s%s %s" % (where, mode, key)
            errors = row.get("errors", {})
            if row.get("calls", row.get("hashes", 0)) <= 0:
                failures.append("%s: no successful calls" % name)
            if isinstance(errors, dict) and sum(errors.values()) > 0:
                failures.append("%s: errors %s" % (name, errors))
    return failures


def user_counts(text):
    counts = [int(c.replace("_", "")) for c in text.split(",")]
    if any(c < 2 for c in counts) or counts != sorted(set(counts)):
        raise argparse.ArgumentTypeError(
            "need increasing user counts of at least 2, e.g. 10000,100000")
    return counts


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--database-url",
                        default=os.environ.get("USERS_TEST_DATABASE_URL"),
                        help="a superuser URL (default: "
                        "$USERS_TEST_DATABASE_URL)")
    parser.add_argument("--users", type=int, default=100000)
    parser.add_argument("--duration", type=int, default=5,
                        help="seconds measured per phase and round")
    parser.add_argument("--rounds", type=int, default=3,
                        help="times every phase runs, interleaved; results "
                        "are the medians")
    parser.add_argument("--warmup", type=int, default=1,
                        help="seconds of uncounted load before each phase")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--probe-concurrency", type=int, default=4)
    parser.add_argument("--probe-rate", type=int, default=100,
                        help="calls per second of the latency probe")
    pinning = parser.add_mutually_exclusive_group()
    pinning.add_argument("--pin-db", action="store_true",
                         help="only the database-bound mode: PostgreSQL on "
                         "one CPU, everything else on the others (by "
                         "default both modes run)")
    pinning.add_argument("--no-pin-db", action="store_true",
                         help="only the unpinned mode")
    parser.add_argument("--sweep", action="store_true",
                        help="instead of the phases above: UpdateUser and "
                        "logins at each of --sweep-users")
    parser.add_argument("--sweep-users", type=user_counts,
                        default=[10000, 100000, 1000000, 10000000],
                        help="comma-separated, increasing (default "
                        "10000,100000,1000000,10000000)")
    parser.add_argument("--out-dir", default=os.path.join(ROOT, ".data",
                                                          "bench"))
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("--database-url or USERS_TEST_DATABASE_URL is needed")
    if args.smoke:
        args.users, args.duration, args.warmup, args.rounds = 2000, 2, 0, 1
        if args.sweep:
            args.duration = 1
    if (not args.sweep and args.users < 4 * args.rounds *
            sessions_per_phase(args)) \
            or args.duration < 1 or args.rounds < 1 \
            or args.warmup < 0 or args.concurrency < 1 \
            or args.probe_concurrency < 1 or args.probe_rate < 1:
        parser.error("need --users >= 4 x --rounds x max(4 x --concurrency, "
                     "64), --rounds >= 1, "
                     "--duration >= 1, --warmup >= 0, concurrencies >= 1")
    for tool in ("wrk", pg_tool("pgbench")):
        if shutil.which(tool) is None:
            parser.error(tool + " not found (scripts/lib/deps.sh installs it)")
    args.modes = ["pinned"] if args.pin_db else (
        ["unpinned"] if args.no_pin_db else ["unpinned", "pinned"])
    if "pinned" in args.modes:
        try:
            args.cpu_split = cpu_pinning.CpuSplit(os.sched_getaffinity(0))
        except ValueError as e:
            if args.pin_db:
                parser.error(str(e))
            print("bench: no pinned mode: %s" % e, file=sys.stderr)
            args.modes.remove("pinned")
    return args


def write_report(report, out_dir, suffix):
    os.makedirs(out_dir, exist_ok=True)
    name = "%s-%s%s.json" % (report["time"].replace(":", ""),
                             report["commit"], suffix)
    for path in (os.path.join(out_dir, name),
                 os.path.join(out_dir, "latest%s.json" % suffix)):
        with open(path, "w") as f:
            json.dump(report, f, indent=2, sort_keys=True)
            f.write("\n")
    print("bench: wrote " + os.path.join(out_dir, name), file=sys.stderr)


def main():
    args = parse_args()
    bench = Sweep(args) if args.sweep else Bench(args)
    try:
        bench.run()
    except (BenchError, subprocess.CalledProcessError,
            subprocess.TimeoutExpired, OSError) as e:
        print("bench: " + str(e), file=sys.stderr)
        for p in bench.processes:
            print("--- %s log:\n%s" % (p.name, p.tail()), file=sys.stderr)
        return 1
    finally:
        bench.close()

    hash_workers = os.cpu_count() or 1
    report = {
        "commit": git_commit(),
        "time": datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"cpus": os.cpu_count(), "hash_workers": hash_workers},
        "settings": {"users": args.users, "duration_seconds": args.duration,
                     "rounds": args.rounds,
                     "warmup_seconds": args.warmup,
                     "concurrency": args.concurrency,
                     "probe_concurrency": args.probe_concurrency,
                     "probe_rate": args.probe_rate,
                     "modes": args.modes,
                     "smoke": args.smoke},
    }
    if args.sweep:
        report["settings"]["sweep_users"] = args.sweep_users
        del report["settings"]["users"]
        report["sweep"] = bench.steps
        print(render_sweep(report))
        write_report(report, args.out_dir, "-sweep")
        failures = [f for step in bench.steps for f in smoke_failures(
            step["modes"], "%d users, " % step["users"])]
    else:
        report["modes"] = bench.modes_report
        report["memory"] = bench.memory
        report["targets"] = targets(bench.modes_report, bench.memory)
        report["figures"] = figures(bench.modes_report, bench.memory)
        print(render(report))
        write_report(report, args.out_dir, "")
        failures = smoke_failures(bench.modes_report)
    if args.smoke:
        for failure in failures:
            print("bench smoke: " + failure, file=sys.stderr)
        return 1 if failures else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
