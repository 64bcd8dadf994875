#!/usr/bin/python3
"""End to end over TLS: the real userd with mutual TLS and user-gateway
presenting a client certificate, with certificates made by openssl
(tests/tools/make_test_certs.sh) in a temporary directory.

  tls_e2e.py --userd PATH/TO/userd --gateway PATH/TO/user-gateway \
      --tool tests/tools/grpc_reflect.py --certs tests/tools/make_test_certs.sh

Checks:
- unusable TLS files stop both binaries at start with exit code 2 and a
  message naming the flag (no plaintext fallback);
- userd with --tls-cert/--tls-key/--tls-client-ca, and a gateway with
  --userd-tls-ca/-cert/-key: /readyz becomes 200 and a PATCH through the
  gateway works;
- a gateway with the CA but no client certificate, and a plaintext gateway,
  reach no userd: /readyz is 503 and a PATCH is 503 at once;
- grpc_reflect.py calls userd with -cacert/-cert/-key, and fails without
  -cert or with -plaintext.

Needs USERS_TEST_DATABASE_URL (a superuser URL; scripts/test sets it).
"""

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from e2e_support import (Failure, check, free_port, psql,  # noqa: E402
                         read, with_database)

START_TIMEOUT = 60.0


class Processes:
    """Started binaries, each logging to a file of the work directory."""

    def __init__(self, work):
        self.work = work
        self.running = []

    def start(self, name, argv):
        log_path = os.path.join(self.work, name + ".log")
        with open(log_path, "w") as log:
            process = subprocess.Popen(argv, stdout=log,
                                       stderr=subprocess.STDOUT)
        process.name, process.log_path = name, log_path
        self.running.append(process)
        return process

    def logs(self):
        return "".join("--- %s log ---\n%s\n" % (p.name, read(p.log_path))
                       for p in self.running)

    def stop_all(self):
        for process in self.running:
            if process.poll() is None:
                process.kill()
                process.wait()


def wait_http(processes, base, path, wanted):
    """Polls GET base+path until it answers `wanted`; fails when a started
    process exits or after START_TIMEOUT."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        for process in processes.running:
            if process.poll() is not None:
                raise Failure("%s exited with %s:\n%s" % (
                    process.name, process.returncode,
                    read(process.log_path)))
        try:
            if requests.get(base + path, timeout=2).status_code == wanted:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise Failure("GET %s%s never answered %d\n%s"
                  % (base, path, wanted, processes.logs()))


def usage_error(argv, flag, what):
    """Runs a binary that must refuse to start: exit code 2, `flag` named."""
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    check(proc.returncode == 2 and flag in proc.stderr + proc.stdout,
          "%s: exit 2 naming %s" % (what, flag),
          "exit code %d" % proc.returncode, proc.stderr, proc.stdout)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--userd", required=True)
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--tool", required=True)
    parser.add_argument("--certs", required=True)
    args = parser.parse_args()

    base_url = os.environ.get("USERS_TEST_DATABASE_URL")
    if not base_url:
        print("FAIL: USERS_TEST_DATABASE_URL is not set: run the tests with "
              "scripts/test, or export a superuser URL of a throwaway "
              "PostgreSQL cluster", file=sys.stderr)
        return 1

    work = tempfile.mkdtemp(prefix="tls-e2e.")
    certs = os.path.join(work, "certs")
    subprocess.run(["bash", args.certs, certs], check=True, timeout=60)

    def cert(name):
        return os.path.join(certs, name)

    db = "e2e_tls_%d" % os.getpid()
    url = with_database(base_url, db)
    processes = Processes(work)
    try:
        psql(base_url, "create database %s" % db)
        migrate = subprocess.run([args.userd, "migrate", "--database-url", url],
                                 capture_output=True, text=True, timeout=120)
        check(migrate.returncode == 0, "userd migrate", migrate.stderr)

        # Unusable files: usage errors, before anything listens.
        userd_base = [args.userd, "--listen", "127.0.0.1:%d" % free_port(),
                      "--database-url", url]
        usage_error(userd_base + ["--tls-cert", cert("server.crt")],
                    "--tls-key", "userd with a certificate but no key")
        usage_error(userd_base + ["--tls-cert", cert("server.crt"),
                                  "--tls-key", cert("client.key")],
                    "--tls-key", "userd with the key of another certificate")
        usage_error(userd_base + ["--tls-cert", cert("missing.crt"),
                                  "--tls-key", cert("server.key")],
                    "--tls-cert", "userd with a missing certificate file")
        usage_error(userd_base + ["--tls-cert", cert("server.crt"),
                                  "--tls-key", cert("server.key"),
                                  "--tls-client-ca", cert("server.key")],
                    "--tls-client-ca", "userd with a client CA file that "
                    "holds no certificate")
        gateway_base = [args.gateway, "--listen",
                        "127.0.0.1:%d" % free_port()]
        usage_error(gateway_base + ["--userd-tls-cert", cert("client.crt"),
                                    "--userd-tls-key", cert("client.key")],
                    "--userd-tls-ca", "gateway with a client certificate but "
                    "no CA")
        usage_error(gateway_base + ["--userd-tls-ca", cert("ca.crt"),
                                    "--userd-tls-cert", cert("client.crt")],
                    "--userd-tls-key", "gateway with a client certificate "
                    "but no key")
        usage_error(gateway_base + ["--userd-tls-ca", cert("missing.crt")],
                    "--userd-tls-ca", "gateway with a missing CA file")

        # userd with mutual TLS.
        userd_port = free_port()
        token = secrets.token_urlsafe(24)
        processes.start("userd", [
            args.userd, "--listen", "127.0.0.1:%d" % userd_port,
            "--database-url", url, "--bootstrap-token", token,
            "--tls-cert", cert("server.crt"), "--tls-key", cert("server.key"),
            "--tls-client-ca", cert("ca.crt")])

        def gateway(name, tls_args):
            port = free_port()
            processes.start(name, [
                args.gateway, "--listen", "127.0.0.1:%d" % port,
                "--userd-address", "127.0.0.1:%d" % userd_port] + tls_args)
            return "http://127.0.0.1:%d" % port

        # The address is an IP; the name checked is the certificate's DNS
        # name, through --userd-tls-server-name.
        good = gateway("gateway-mtls", [
            "--userd-tls-ca", cert("ca.crt"),
            "--userd-tls-cert", cert("client.crt"),
            "--userd-tls-key", cert("client.key"),
            "--userd-tls-server-name", "localhost"])
        wait_http(processes, good, "/readyz", 200)
        check(True, "gateway with the client certificate: /readyz 200")

        auth = {"Authorization": "Bearer " + token}
        r = requests.post(good + "/v1/users", headers=auth, timeout=30, json={
            "username": "tls_ann", "email": "tls_ann@example.com",
            "password": "correct horse", "first_name": "Ann"})
        check(r.status_code == 201, "POST /v1/users through mutual TLS",
              r.status_code, r.text)
        user_id = r.json()["id"]
        r = requests.patch(good + "/v1/users/" + user_id, headers=auth,
                           timeout=30, json={"first_name": "Jane"})
        check(r.status_code == 200 and r.json().get("first_name") == "Jane",
              "PATCH /v1/users/%s through mutual TLS" % user_id,
              r.status_code, r.text)

        # Gateways that userd does not let in. Each answers /healthz (it
        # runs); every call to userd fails at the handshake, so /readyz and
        # the PATCH are 503 on the first try.
        for name, tls_args in (
                ("gateway-no-client-cert", ["--userd-tls-ca", cert("ca.crt"),
                                            "--userd-tls-server-name",
                                            "localhost"]),
                ("gateway-other-ca-cert", [
                    "--userd-tls-ca", cert("ca.crt"),
                    "--userd-tls-cert", cert("other-client.crt"),
                    "--userd-tls-key", cert("other-client.key")]),
                ("gateway-plaintext", [])):
            base = gateway(name, tls_args)
            wait_http(processes, base, "/healthz", 200)
            r = requests.get(base + "/readyz", timeout=30)
            check(r.status_code == 503, "%s: /readyz 503" % name,
                  r.status_code, r.text)
            r = requests.patch(base + "/v1/users/" + user_id, headers=auth,
                               timeout=30, json={"first_name": "Mallory"})
            check(r.status_code == 503, "%s: PATCH is 503" % name,
                  r.status_code, r.text)

        # grpc_reflect.py, grpcurl's TLS flags.
        address = "127.0.0.1:%d" % userd_port
        get_user = ["-H", "authorization: Bearer " + token,
                    "-d", json.dumps({"name": "projects/default/users/"
                                      + user_id.split("_", 1)[1]}),
                    "-max-time", "30", "-connect-timeout", "10",
                    address, "users.v1.UserService/GetUser"]
        tool = [sys.executable, args.tool]
        proc = subprocess.run(
            tool + ["-cacert", cert("ca.crt"), "-cert", cert("client.crt"),
                    "-key", cert("client.key")] + get_user,
            capture_output=True, text=True, timeout=120)
        check(proc.returncode == 0 and
              json.loads(proc.stdout or "{}").get("givenName") == "Jane",
              "grpc_reflect.py -cacert -cert -key: GetUser over mutual TLS",
              proc.returncode, proc.stdout, proc.stderr)
        proc = subprocess.run(
            tool + ["-cacert", cert("ca.crt"), "-cert", cert("client.crt"),
                    "-key", cert("client.key"), "-servername", "localhost",
                    "-max-time", "30", address, "list"],
            capture_output=True, text=True, timeout=120)
        check(proc.returncode == 0 and "users.v1.UserService" in proc.stdout,
              "grpc_reflect.py -servername: reflection over mutual TLS",
              proc.returncode, proc.stdout, proc.stderr)
        for what, flags in (("without -cert", ["-cacert", cert("ca.crt")]),
                            ("with -plaintext", ["-plaintext"])):
            flags = flags + ["-connect-timeout", "3"]
            proc = subprocess.run(tool + flags + get_user, capture_output=True,
                                  text=True, timeout=120)
            check(proc.returncode != 0 and not proc.stdout,
                  "grpc_reflect.py %s is refused" % what,
                  proc.returncode, proc.stdout, proc.stderr)

        print("PASS")
        return 0
    except Failure as e:
        print("FAIL: %s" % e, file=sys.stderr)
        print(processes.logs(), file=sys.stderr)
        return 1
    finally:
        processes.stop_all()
        try:
            psql(base_url, "drop database if exists %s with (force)" % db)
        except (subprocess.SubprocessError, OSError) as e:
            print("warning: could not drop %s: %s" % (db, e), file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
