#!/usr/bin/python3
"""Runs what each overlay deploys, as local processes, and probes them the
way the kubelet and Prometheus would:

1. the migration Job's command line (image ENTRYPOINT + the Job's args) with
   the Job's environment: must exit 0;
2. userd with the Deployment's command line and environment (ConfigMap
   values as rendered; Secret values: a fresh database and a token; Secret
   volumes: a local directory each, TLS Secrets filled with certificates
   made by tests/tools/make_test_certs.sh, and the variables pointing into
   the mount pointed there), the listen ports moved to free ones (port 0,
   read back from the logs); waits for gRPC health SERVING (Health/Watch, no
   polling; over mutual TLS when userd has TLS on), then runs every probe of
   the manifest against it and scrapes the annotated metrics port;
3. user-gateway likewise, pointed at that userd; its probes (its readiness
   needs userd's answer, so with TLS on it proves the handshake) and
   metrics (the annotated admin port; /metrics is 404 on the public one);
4. SIGTERM to both: each exits 0 within terminationGracePeriodSeconds minus
   the preStop pause, and userd turns NOT_SERVING while it drains.

  processes_test.py --source-dir REPO --kubectl KUBECTL --userd PATH
                    [--gateway PATH]

The database: USERS_TEST_DATABASE_URL (a superuser URL; scripts/test sets
it), or else a throwaway cluster started with scripts/lib/pg.sh. Each overlay
gets a database of its own, dropped afterwards.
"""

import argparse
import http.client
import json
import os
import queue
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

import grpc

import deploy_support as ds
from deploy_support import GATEWAY, USERD, check

ARGS = None
DATABASE = None  # superuser URL
START_TIMEOUT = 60.0

# The log event (services/common/log.h) each listen flag's server writes once
# bound, with the bound "port": userd_server.cc, admin_http_server.cc,
# gateway/main.cc.
LISTEN_EVENTS = {
    USERD: {"listen": "listening", "admin-listen": "admin_listening"},
    GATEWAY: {"listen": "listening", "admin-listen": "admin_listening"},
}
# What a kubernetes.io/tls Secret mounted by each Deployment holds, as files
# of tests/tools/make_test_certs.sh: userd's is its server certificate, the
# gateway's a client certificate; ca.crt is the CA of both.
TLS_SECRET_FILES = {
    USERD: {"tls.crt": "server.crt", "tls.key": "server.key",
            "ca.crt": "ca.crt"},
    GATEWAY: {"tls.crt": "client.crt", "tls.key": "client.key",
              "ca.crt": "ca.crt"},
}
# libpq variables about the overlay's own database server (prod: the
# CloudNativePG cluster's CA), which the local test database is not.
STAND_IN_DROPS = {"PGSSLMODE", "PGSSLROOTCERT"}
SERVING = b"\x08\x01"      # HealthCheckResponse{status: SERVING}
NOT_SERVING = b"\x08\x02"  # HealthCheckResponse{status: NOT_SERVING}
# One Prometheus text-format line: a comment, or name{labels} value.
SAMPLE_RE = re.compile(
    r'^(#.*|[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})?'
    r' (-?[0-9.e+-]+|[+-]Inf|NaN))$')


# --- database ----------------------------------------------------------------

def psql(url, sql):
    binary = "/usr/lib/postgresql/15/bin/psql"
    binary = binary if os.access(binary, os.X_OK) else "psql"
    subprocess.run([binary, "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c",
                    sql], check=True, timeout=60)


def with_database(url, name):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


class ThrowawayCluster:
    """scripts/lib/pg.sh's throwaway cluster, for runs outside scripts/test."""

    def __init__(self, source_dir):
        self.lib = os.path.join(source_dir, "scripts/lib/pg.sh")
        proc = subprocess.run(
            ["bash", "-c", 'set -e; source "$1"; pg_start_throwaway >&2; '
             'printf "%s\\n%s\\n" "$PG_DIR" "$PG_URL"', "_", self.lib],
            capture_output=True, text=True, timeout=180)
        check(proc.returncode == 0, "cannot start PostgreSQL:\n" + proc.stderr)
        self.dir, self.url = proc.stdout.split()

    def stop(self):
        subprocess.run(["bash", "-c", 'source "$1"; PG_DIR=$2; '
                        'PG_THROWAWAY=1; pg_stop', "_", self.lib, self.dir],
                       timeout=120)


# --- processes ---------------------------------------------------------------

class Process:
    """A started binary whose stderr (one JSON event a line) is read by a
    thread; wait_for blocks on those lines, so no sleeping."""

    def __init__(self, argv, env):
        self.argv = argv
        self.proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.events = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))
            try:
                event = json.loads(line)
            except ValueError:
                continue
            self.events.put(event)
        self.events.put(None)  # EOF

    def log(self):
        return "\n".join(self.lines[-60:])

    def wait_for(self, names, timeout=START_TIMEOUT):
        """name -> event for each event name in `names`, in any order."""
        found = {}
        deadline = time.monotonic() + timeout
        while set(found) != set(names):
            remaining = deadline - time.monotonic()
            try:
                event = self.events.get(timeout=max(remaining, 0.001))
            except queue.Empty:
                raise ds.Failure("%s: no %s within %gs:\n%s"
                                 % (self.argv[0], sorted(set(names) -
                                                         set(found)),
                                    timeout, self.log()))
            if event is None:
                self.proc.wait()
                raise ds.Failure("%s exited (%s) before %s:\n%s"
                                 % (self.argv[0], self.proc.returncode,
                                    sorted(set(names) - set(found)),
                                    self.log()))
            if event.get("event") in names:
                found[event["event"]] = event
        return found

    def terminate(self, timeout):
        """SIGTERM; (exit code, seconds it took)."""
        start = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        return self.wait_exit(timeout, start)

    def wait_exit(self, timeout, start):
        """(exit code, seconds since `start`) once the process exits."""
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ds.Failure("%s did not exit within %gs of SIGTERM:\n%s"
                             % (self.argv[0], timeout, self.log()))
        took = time.monotonic() - start
        self._close()
        return code, took

    def _close(self):
        self.reader.join(timeout=10)
        self.proc.stderr.close()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if not self.proc.stderr.closed:
            self._close()


def local_env(env):
    merged = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    merged.update(env)
    return merged


def with_free_ports(argv, container, binary):
    """argv with each listen flag's port (a containerPort) replaced by 0;
    and flag -> the containerPort it had."""
    ports = {p["containerPort"] for p in container["ports"]}
    out, moved = [argv[0]], {}
    for arg in argv[1:]:
        name, eq, value = arg[2:].partition("=") if arg.startswith("--") \
            else ("", "", "")
        if eq and name in LISTEN_EVENTS[binary]:
            host, port = ds.split_host_port(value)
            check(port in ports, "--%s port %d is no containerPort"
                  % (name, port))
            moved[name] = port
            arg = "--%s=%s:0" % (name, "[%s]" % host if ":" in host else host)
        out.append(arg)
    check(set(moved) == set(LISTEN_EVENTS[binary]),
          "%s: listen flags in args: %s" % (binary, sorted(moved)))
    return out, moved


def start(binary, argv, container, env):
    """Starts the binary; containerPort -> the local port it bound."""
    local_argv, moved = with_free_ports(argv, container, binary)
    local_argv[0] = ARGS.userd if binary == USERD else ARGS.gateway
    process = Process(local_argv, local_env(env))
    events = process.wait_for(
        [LISTEN_EVENTS[binary][flag] for flag in moved])
    mapping = {}
    for flag, container_port in moved.items():
        port = events[LISTEN_EVENTS[binary][flag]].get("port")
        check(isinstance(port, int) and port > 0,
              "%s: event %s has no port" % (binary,
                                            LISTEN_EVENTS[binary][flag]))
        mapping[container_port] = port
    return process, mapping


# --- probes ------------------------------------------------------------------

def http_get(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), \
            response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def grpc_check(port, service=""):
    """A gRPC health probe: plaintext, as the kubelet's."""
    request = b"" if not service else \
        b"\x0a" + bytes([len(service)]) + service.encode()
    with grpc.insecure_channel("127.0.0.1:%d" % port) as channel:
        return channel.unary_unary("/grpc.health.v1.Health/Check")(
            request, timeout=10)


class HealthWatch:
    """grpc.health.v1.Health/Watch of the overall status, read by a thread:
    every status the server sends, in order. `credentials`: None for
    plaintext."""

    def __init__(self, port, credentials=None):
        target = "127.0.0.1:%d" % port
        self.channel = grpc.insecure_channel(target) if credentials is None \
            else grpc.secure_channel(target, credentials)
        self.call = self.channel.unary_stream("/grpc.health.v1.Health/Watch")(
            b"", timeout=300)
        self.statuses = queue.Queue()
        self.seen = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        try:
            for status in self.call:
                self.statuses.put(status)
        except grpc.RpcError:
            pass
        self.statuses.put(None)

    def wait_for(self, wanted, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            try:
                status = self.statuses.get(
                    timeout=max(deadline - time.monotonic(), 0.001))
            except queue.Empty:
                raise ds.Failure("health never became %r (saw %r)"
                                 % (wanted, self.seen))
            if status is None:
                raise ds.Failure("health stream ended before %r (saw %r)"
                                 % (wanted, self.seen))
            self.seen.append(status)
            if status == wanted:
                return

    def close(self):
        if self.channel is not None:
            self.call.cancel()
            self.channel.close()
            self.channel = None


def run_probe(name, probe, container, mapping):
    """Runs one probe of the manifest against the local process."""
    if "grpc" in probe:
        port = mapping[ds.container_port(container, probe["grpc"]["port"])]
        status = grpc_check(port, probe["grpc"].get("service", ""))
        check(status == SERVING, "%s: gRPC health %r" % (name, status))
    elif "httpGet" in probe:
        get = probe["httpGet"]
        port = mapping[ds.container_port(container, get["port"])]
        status, _, body = http_get(port, get.get("path", "/"))
        check(200 <= status < 400, "%s: GET %s -> %d %s"
              % (name, get.get("path"), status, body))
    else:
        raise ds.Failure("%s: unsupported probe %r" % (name, probe))


def scrape(what, template, container, mapping):
    """GETs what the Prometheus annotations point at; the samples."""
    annotations = template["metadata"].get("annotations") or {}
    check(annotations.get("prometheus.io/scrape") == "true",
          "%s: not annotated for scraping" % what)
    port = mapping[int(annotations["prometheus.io/port"])]
    status, content_type, body = http_get(
        port, annotations.get("prometheus.io/path", "/metrics"))
    check(status == 200, "%s scrape: %d %s" % (what, status, body[:500]))
    check(content_type.startswith("text/plain") and
          "version=0.0.4" in content_type,
          "%s scrape: Content-Type %r" % (what, content_type))
    bad = [l for l in body.splitlines() if l and not SAMPLE_RE.match(l)]
    check(not bad, "%s scrape: not the text format: %r" % (what, bad[:5]))
    check(any(l and not l.startswith("#") for l in body.splitlines()),
          "%s scrape: no samples" % what)
    return body


# --- the test ----------------------------------------------------------------

def mount_secrets(template, container, binary, env, work):
    """Stands in for the container's Secret volumes: a local directory per
    mount, with the files of TLS_SECRET_FILES[binary] for the keys it
    projects; the environment's paths into a mount are moved there."""
    volumes = {v["name"]: v for v in template["spec"].get("volumes") or []}
    env = dict(env)
    for mount in container.get("volumeMounts") or []:
        secret = volumes[mount["name"]].get("secret")
        if secret is None:
            continue
        local = os.path.join(work, binary, mount["name"])
        os.makedirs(local)
        items = secret.get("items") or [
            {"key": k, "path": k} for k in TLS_SECRET_FILES[binary]]
        for item in items:
            check(item["key"] in TLS_SECRET_FILES[binary],
                  "%s: unknown key %s of Secret %s"
                  % (binary, item["key"], secret["secretName"]))
            shutil.copy(os.path.join(work, "certs",
                                     TLS_SECRET_FILES[binary][item["key"]]),
                        os.path.join(local, item["path"]))
        prefix = mount["mountPath"].rstrip("/") + "/"
        for var, value in env.items():
            if value.startswith(prefix):
                env[var] = os.path.join(local, value[len(prefix):])
    return env


def userd_credentials(env, work):
    """What a client of this userd needs: None when its port is plaintext,
    else TLS trusting the test CA with the test client certificate."""
    if not env.get(ds.read_flags(ARGS.source_dir, USERD)["tls-cert"].env):
        return None

    def read(name):
        with open(os.path.join(work, "certs", name), "rb") as f:
            return f.read()
    return grpc.ssl_channel_credentials(
        root_certificates=read("ca.crt"), private_key=read("client.key"),
        certificate_chain=read("client.crt"))


class OverlayProcessesTest(unittest.TestCase):
    def run_overlay(self, name):
        docs = ds.render(ARGS.kubectl, ARGS.source_dir, name)
        database = "deploy_%s_%s" % (name.replace("/", "_"),
                                     secrets.token_hex(4))
        psql(DATABASE, "CREATE DATABASE %s" % database)
        work = tempfile.mkdtemp(prefix="deploy-processes.")
        subprocess.run(["bash", os.path.join(ARGS.source_dir,
                                             "tests/tools/make_test_certs.sh"),
                        os.path.join(work, "certs"), "DNS:userd"],
                       check=True, timeout=60)
        started = []
        try:
            self.exercise(docs, with_database(DATABASE, database), started,
                          work)
        finally:
            for process in started:
                process.kill()
            psql(DATABASE, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % database)
            shutil.rmtree(work, ignore_errors=True)

    def env_of(self, docs, container, secret_values):
        """The container's environment with the test's values for what
        comes from Secrets (by variable: prod's DATABASE_URL is the key uri
        of the CloudNativePG operator's Secret). The database is a local
        stand-in for the overlay's, so libpq's settings that describe that
        server (TLS with its CA) are left out; the rest apply (a local
        primary is read-write)."""
        env = {}
        for var, value in ds.container_env(docs, container).items():
            if var in STAND_IN_DROPS:
                continue
            if isinstance(value, tuple):
                self.assertIn(var, secret_values)
                env[var] = secret_values[var]
            else:
                env[var] = value
        return env

    def exercise(self, docs, database_url, started, work):
        secret_values = {"DATABASE_URL": database_url,
                         "USERD_BOOTSTRAP_TOKEN": secrets.token_urlsafe(24)}
        stages = {b: ds.parse_dockerfile(os.path.join(ARGS.source_dir, p))[-1]
                  for b, p in ds.DOCKERFILES.items()}

        # 1. The migration Job.
        (job,) = ds.by_kind(docs, "Job")
        (c,) = job["spec"]["template"]["spec"]["containers"]
        argv = ds.image_argv(stages[USERD], c)
        proc = subprocess.run(
            [ARGS.userd] + argv[1:], env=local_env(
                self.env_of(docs, c, secret_values)),
            capture_output=True, text=True,
            timeout=job["spec"]["activeDeadlineSeconds"])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn('"event":"migrations_applied"', proc.stderr)

        # 2. userd.
        deployment = ds.find(docs, "Deployment", USERD)
        template = deployment["spec"]["template"]
        (c,) = template["spec"]["containers"]
        env = mount_secrets(template, c, USERD,
                            self.env_of(docs, c, secret_values), work)
        userd, userd_ports = start(USERD, ds.image_argv(stages[USERD], c), c,
                                   env)
        started.append(userd)
        grpc_port = userd_ports[ds.container_port(c, "grpc")]
        watch = HealthWatch(grpc_port, userd_credentials(env, work))
        try:
            watch.wait_for(SERVING)
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                run_probe("userd " + probe, c[probe], c, userd_ports)
            scrape("userd", template, c, userd_ports)
            userd_grace = template["spec"]["terminationGracePeriodSeconds"] \
                - c["lifecycle"]["preStop"]["sleep"]["seconds"]

            # 3. The gateway, pointed at this userd.
            if ARGS.gateway:
                deployment = ds.find(docs, "Deployment", GATEWAY)
                gw_template = deployment["spec"]["template"]
                (gc,) = gw_template["spec"]["containers"]
                env = mount_secrets(gw_template, gc, GATEWAY,
                                    self.env_of(docs, gc, secret_values), work)
                self.assertIn("USERD_ADDRESS", env)
                env["USERD_ADDRESS"] = "127.0.0.1:%d" % grpc_port
                gateway, gateway_ports = start(
                    GATEWAY, ds.image_argv(stages[GATEWAY], gc), gc, env)
                started.append(gateway)
                for probe in ("livenessProbe", "readinessProbe"):
                    run_probe("gateway " + probe, gc[probe], gc, gateway_ports)
                scrape("gateway", gw_template, gc, gateway_ports)
                # Metrics are not served on the public port.
                status, _, _ = http_get(
                    gateway_ports[ds.container_port(gc, "http")], "/metrics")
                self.assertEqual(status, 404)
                grace = gw_template["spec"]["terminationGracePeriodSeconds"] \
                    - gc["lifecycle"]["preStop"]["sleep"]["seconds"]
                code, took = gateway.terminate(grace)
                self.assertEqual(code, 0, gateway.log())
                self.assertLess(took, grace)
                print("gateway drained in %.2fs" % took, flush=True)

            # 4. userd drains: NOT_SERVING at once (readiness fails, so
            # the endpoints drop it), then exit 0 within the grace period.
            # The watcher goes away on NOT_SERVING, as a client would: an
            # open Watch stream is an in-flight call that the drain would
            # otherwise wait for until the grace deadline.
            sigterm_at = time.monotonic()
            userd.proc.send_signal(signal.SIGTERM)
            watch.wait_for(NOT_SERVING, timeout=userd_grace)
            watch.close()
            code, took = userd.wait_exit(userd_grace, sigterm_at)
            self.assertEqual(code, 0, userd.log())
            self.assertLess(took, userd_grace)
            print("userd drained in %.2fs" % took, flush=True)
        finally:
            watch.close()

    def test_dev(self):
        self.run_overlay("overlays/dev")

    def test_prod(self):
        self.run_overlay("overlays/prod")


def main():
    global ARGS, DATABASE
    parser = argparse.ArgumentParser()
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--kubectl", required=True)
    parser.add_argument("--userd", required=True)
    parser.add_argument("--gateway")
    ARGS, rest = parser.parse_known_args()
    cluster = None
    DATABASE = os.environ.get("USERS_TEST_DATABASE_URL")
    if not DATABASE:
        cluster = ThrowawayCluster(ARGS.source_dir)
        DATABASE = cluster.url
    try:
        program = unittest.main(argv=[sys.argv[0]] + rest, verbosity=2,
                                exit=False)
    finally:
        if cluster:
            cluster.stop()
    sys.exit(0 if program.result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
