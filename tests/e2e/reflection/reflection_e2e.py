#!/usr/bin/python3
"""End to end: the real userd, driven only through server reflection by
tests/tools/grpc_reflect.py, the way grpcurl is used.

  reflection_e2e.py --userd PATH/TO/userd --tool PATH/TO/grpc_reflect.py

Needs USERS_TEST_DATABASE_URL (a superuser URL; scripts/test sets it). The test
creates its own database there, runs `userd migrate`, starts userd on a free
port with a bootstrap token, waits until grpc.health.v1 says SERVING, then:
lists and describes the services, creates a user and updates it with an
update_mask (bearer: the bootstrap admin key), checks that an unknown mask
path fails with INVALID_ARGUMENT and a BadRequest field violation, logs the
user in and lets it change its email (the rotated session token arrives in
the response headers), and that SIGTERM makes userd exit with 0. Fails
without USERS_TEST_DATABASE_URL.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import grpc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from e2e_support import (Failure, check, free_port, psql,  # noqa: E402
                         read, with_database)

PROJECT = "projects/default"
SERVICE = "users.v1.UserService"


def wait_until_serving(address, process, log_path, timeout=60.0):
    """Polls grpc.health.v1.Health/Check (overall health, service "") until it
    answers SERVING. The messages are tiny, so they are written by hand:
    an empty HealthCheckRequest, and HealthCheckResponse{status: SERVING} is
    field 1 = 1, i.e. bytes 08 01."""
    channel = grpc.insecure_channel(address)
    check_health = channel.unary_unary("/grpc.health.v1.Health/Check")
    deadline = time.monotonic() + timeout
    last = None
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise Failure("userd exited with %s before serving:\n%s"
                              % (process.returncode, read(log_path)))
            try:
                answer = check_health(b"", timeout=1.0)
                if answer == b"\x08\x01":
                    return
                last = "status bytes %r" % answer
            except grpc.RpcError as e:
                last = "%s: %s" % (e.code().name, e.details())
            time.sleep(0.1)
    finally:
        channel.close()
    raise Failure("userd not SERVING after %gs (last: %s):\n%s"
                  % (timeout, last, read(log_path)))


class Tool:
    """Runs grpc_reflect.py against one address."""

    def __init__(self, path, address):
        self.path = path
        self.address = address

    def run(self, *args, data=None, headers=(), verbose=False):
        cmd = [sys.executable, self.path, "-plaintext", "-max-time", "30"]
        for h in headers:
            cmd += ["-H", h]
        if data is not None:
            cmd += ["-d", json.dumps(data)]
        if verbose:
            cmd.append("-v")
        cmd += [self.address] + list(args)
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
        return proc

    def ok(self, *args, **kwargs):
        proc = self.run(*args, **kwargs)
        if proc.returncode != 0:
            raise Failure("grpc_reflect %s failed with %d:\n%s%s"
                          % (" ".join(args), proc.returncode, proc.stdout,
                             proc.stderr))
        return proc

    @staticmethod
    def _full(method):
        return method if "/" in method else SERVICE + "/" + method

    def call(self, method, data, headers=(), verbose=False):
        """Calls METHOD (of UserService unless "service/method"); returns the
        response JSON, or (response JSON, stderr) when VERBOSE."""
        proc = self.ok(self._full(method), data=data, headers=headers,
                       verbose=verbose)
        response = json.loads(proc.stdout)
        return (response, proc.stderr) if verbose else response

    def fail(self, method, data, headers=()):
        """Calls a method that must fail; returns (exit code, error JSON)."""
        proc = self.run(self._full(method), data=data, headers=headers)
        if proc.returncode == 0:
            raise Failure("%s unexpectedly succeeded:\n%s"
                          % (method, proc.stdout))
        try:
            return proc.returncode, json.loads(proc.stderr)
        except ValueError:
            raise Failure("%s: no error JSON on stderr (exit %d):\n%s"
                          % (method, proc.returncode, proc.stderr))


def details_of(error, type_name):
    return [d for d in error.get("details", {}).get("details", [])
            if d.get("@type", "").endswith("/" + type_name)]


def scenario(tool, token):
    # list: our service, health and reflection.
    services = tool.ok("list").stdout.split()
    for name in (SERVICE, "grpc.health.v1.Health",
                 "grpc.reflection.v1alpha.ServerReflection"):
        check(name in services, "list shows " + name, services)
    methods = tool.ok("list", SERVICE).stdout.split()
    check(SERVICE + ".UpdateUser" in methods, "list %s shows its methods"
          % SERVICE, methods)

    # describe: the service and the request type, learnt by reflection.
    text = tool.ok("describe", SERVICE).stdout
    check(SERVICE + " is a service:" in text and
          "rpc UpdateUser ( .users.v1.UpdateUserRequest ) returns "
          "( .users.v1.User );" in text, "describe " + SERVICE, text)
    text = tool.ok("describe", "users.v1.UpdateUserRequest").stdout
    check(".google.protobuf.FieldMask update_mask = 2;" in text,
          "describe users.v1.UpdateUserRequest", text)

    admin = ["authorization: Bearer " + token]

    # CreateUser with the bootstrap (admin) token.
    password = "correct horse battery staple"
    user = tool.call("CreateUser", {
        "parent": PROJECT,
        "user": {"username": "e2e-reflection", "email": "e2e@example.org",
                 "password": password, "givenName": "Ann"},
    }, headers=admin)
    name = user.get("name", "")
    check(re.fullmatch(re.escape(PROJECT) + r"/users/\d+", name) is not None,
          "CreateUser returns a user name", user)
    check(user.get("username") == "e2e-reflection" and "password" not in user,
          "CreateUser echoes the user without its password", user)

    # UpdateUser with an update_mask (FieldMask in JSON: camelCase paths).
    updated = tool.call("UpdateUser", {
        "user": {"name": name, "displayName": "Ann Reflection",
                 "givenName": "not written", "settings": {"language": "pt-BR"}},
        "updateMask": "displayName,settings.language",
    }, headers=admin)
    check(updated.get("displayName") == "Ann Reflection" and
          updated.get("settings", {}).get("language") == "pt-BR",
          "UpdateUser writes the masked fields", updated)
    check(updated.get("givenName") == "Ann",
          "UpdateUser leaves fields outside the mask alone", updated)
    fetched = tool.call("GetUser", {"name": name}, headers=admin)
    check(fetched.get("displayName") == "Ann Reflection",
          "GetUser sees the update", fetched)

    # Without credentials: UNAUTHENTICATED.
    code, error = tool.fail("UpdateUser", {
        "user": {"name": name, "displayName": "x"},
        "updateMask": "displayName"})
    check(error.get("code") == "UNAUTHENTICATED" and code == 64 + 16,
          "UpdateUser without a token is UNAUTHENTICATED", error)

    # An unknown mask path: INVALID_ARGUMENT with a BadRequest violation.
    code, error = tool.fail("UpdateUser", {
        "user": {"name": name, "displayName": "x"},
        "updateMask": "displayName,noSuchField",
    }, headers=admin)
    check(error.get("code") == "INVALID_ARGUMENT" and code == 64 + 3,
          "an unknown mask path is INVALID_ARGUMENT", error)
    violations = [v for d in details_of(error, "google.rpc.BadRequest")
                  for v in d.get("fieldViolations", [])]
    check(any(v.get("field", "").startswith("update_mask")
              for v in violations),
          "grpc-status-details-bin carries a BadRequest violation of "
          "update_mask", error)
    infos = details_of(error, "google.rpc.ErrorInfo")
    check(any(i.get("domain") == "users.v1" and
              i.get("reason") == "INVALID_FIELD" for i in infos),
          "and an ErrorInfo INVALID_FIELD of domain users.v1", error)
    fetched = tool.call("GetUser", {"name": name}, headers=admin)
    check(fetched.get("displayName") == "Ann Reflection",
          "the failed update wrote nothing", fetched)

    # The user logs in and changes its own email with its session token: the
    # session is rotated, and the new token comes back in the response
    # headers (printed by -v).
    session = tool.call("users.v1.SessionService/CreateSession", {
        "parent": PROJECT, "login": "e2e-reflection", "password": password})
    old_token = session.get("token", "")
    check(old_token and session.get("user", {}).get("name") == name,
          "CreateSession logs the user in", session)
    updated, stderr = tool.call("UpdateUser", {
        "user": {"name": PROJECT + "/users/me", "email": "e2e2@example.org"},
        "updateMask": "email",
    }, headers=["authorization: Bearer " + old_token], verbose=True)
    check(updated.get("email") == "e2e2@example.org",
          "UpdateUser with a session token changes the own email", updated)
    rotated = re.search(r"^x-session-token: (\S+)$", stderr, re.M)
    check(rotated is not None and rotated.group(1) != old_token,
          "the rotated session token is in the response headers (-v)",
          stderr)
    code, error = tool.fail("GetUser", {"name": PROJECT + "/users/me"},
                            headers=["authorization: Bearer " + old_token])
    check(error.get("code") == "UNAUTHENTICATED" and
          any(i.get("reason") == "TOKEN_INVALID"
              for i in details_of(error, "google.rpc.ErrorInfo")),
          "the old session token is TOKEN_INVALID", error)
    me = tool.call("GetUser", {"name": PROJECT + "/users/me"},
                   headers=["authorization: Bearer " + rotated.group(1)])
    check(me.get("name") == name, "the new session token works", me)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--userd", required=True)
    parser.add_argument("--tool", required=True)
    args = parser.parse_args()

    base_url = os.environ.get("USERS_TEST_DATABASE_URL")
    if not base_url:
        print("FAIL: USERS_TEST_DATABASE_URL is not set: run the tests with "
              "scripts/test, or export a superuser URL of a throwaway "
              "PostgreSQL cluster", file=sys.stderr)
        return 1

    work = tempfile.mkdtemp(prefix="reflection-e2e.")
    log_path = os.path.join(work, "userd.log")
    db = "e2e_reflection_%d" % os.getpid()
    url = with_database(base_url, db)
    process = None
    try:
        psql(base_url, "create database %s" % db)
        migrate = subprocess.run([args.userd, "migrate", "--database-url", url],
                                 capture_output=True, text=True, timeout=120)
        check(migrate.returncode == 0, "userd migrate", migrate.stdout,
              migrate.stderr)

        address = "127.0.0.1:%d" % free_port()
        token = secrets.token_urlsafe(24)
        with open(log_path, "w") as log:
            process = subprocess.Popen(
                [args.userd, "--listen", address, "--database-url", url,
                 "--bootstrap-token", token],
                stdout=log, stderr=subprocess.STDOUT)
        wait_until_serving(address, process, log_path)
        print("ok: userd SERVING on " + address, flush=True)

        scenario(Tool(args.tool, address), token)

        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            raise Failure("userd still running 30 s after SIGTERM")
        check(code == 0, "SIGTERM stops userd with exit code 0",
              "exit code %s" % code, read(log_path))
        process = None
        print("PASS")
        return 0
    except Failure as e:
        print("FAIL: %s" % e, file=sys.stderr)
        if os.path.exists(log_path):
            print("--- userd log ---\n" + read(log_path), file=sys.stderr)
        return 1
    finally:
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        try:
            psql(base_url, "drop database if exists %s with (force)" % db)
        except (subprocess.SubprocessError, OSError) as e:
            print("warning: could not drop %s: %s" % (db, e), file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
