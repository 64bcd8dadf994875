#!/usr/bin/python3
"""End to end: Idempotency-Key on the real userd and user-gateway.

  idempotency_e2e.py --userd PATH/TO/userd --gateway PATH/TO/user-gateway

Needs USERS_TEST_DATABASE_URL (a superuser URL; scripts/test sets it). The test
creates its own database, runs `userd migrate`, starts userd (cheap Argon2, a
bootstrap token: the operator's key) and user-gateway in front of it, then
drives every contract over real HTTP (CONTRACTS.md, "Abuse, account state and
idempotency"):

- a PATCH sent twice with one Idempotency-Key gets the same status and the
  same body bytes, and the second writes nothing: the user's `version`, its
  number of `user_events` rows and its v1 ETag stay as the first left them;
- the same key with another body is 422 in the contract's shape and writes
  nothing;
- a session-rotating PATCH (Medama and neptun: a password; v1: an email
  through a bearer session; the project contract rotates nothing) retried
  with the same key and the old, rotated-away cookie or token is 200 with
  the first body and hands out a cookie or token that works;
- POST /v1/users and each logout endpoint replay their first answer too;
- a malformed Idempotency-Key is 400 without reaching userd.

Nothing sleeps but the readiness poll. Fails without USERS_TEST_DATABASE_URL.
"""

import argparse
import os
import secrets
import shutil
import sys
import tempfile
import time

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from e2e_support import (Database, Failure, Processes,  # noqa: E402
                         check, free_port)

REUSED = {
    "medama": {"error": {"code": 422, "message": "idempotency key reused"}},
    "neptun": {"statusCode": 422, "statusMessage": "Unprocessable Entity.",
               "message": "Idempotency key reused."},
    "v1": {"error": "idempotency_key_reused",
           "message": "The Idempotency-Key was already used for a different "
                      "request"},
    "project": {"error": "The Idempotency-Key was already used for a "
                         "different request",
                "code": "user/idempotency-key-reused"},
}
COOKIES = {"medama": "_me_sess", "neptun": "neptun-session"}


def show(r):
    return "%s %s -> %d %s %s" % (r.request.method, r.request.url,
                                  r.status_code, dict(r.headers),
                                  r.text[:600])


def status_is(r, status, what):
    check(r.status_code == status, what, show(r))
    return r


def new_key():
    return "e2e-" + secrets.token_hex(16)


class Http:
    """Requests to the gateway without a cookie jar: every credential and
    Idempotency-Key is explicit per call."""

    def __init__(self, base):
        self.base = base

    def call(self, method, path, body=None, token=None, cookie=None,
             key=None):
        headers = {}
        if token:
            headers["Authorization"] = "Bearer " + token
        if cookie:
            headers["Cookie"] = "%s=%s" % cookie
        if key is not None:
            headers["Idempotency-Key"] = key
        return requests.request(method, self.base + path, json=body,
                                headers=headers, timeout=30)


def set_cookie(r, name):
    """The value of cookie NAME in R's Set-Cookie, or None."""
    header = r.headers.get("Set-Cookie", "")
    first = header.split(";", 1)[0]
    if not first.startswith(name + "="):
        return None
    return first[len(name) + 1:] or None


class Idempotency:
    def __init__(self, db, http, operator):
        self.db = db
        self.http = http
        self.operator = operator

    # -- helpers -------------------------------------------------------------

    def provision(self, username, password):
        body = {"username": username, "email": username + "@example.com",
                "password": password}
        r = self.http.call("POST", "/v1/users", body, token=self.operator)
        status_is(r, 201, "setup: POST /v1/users creates " + username)
        user = dict(r.json(), password=password)
        user["number"] = user["id"][len("usr_"):]
        return user

    def writes(self, user):
        """What a write changes: the user's version, its audit rows and its
        ETag as v1 reports it."""
        version = self.db.rows(
            "SELECT version, update_time FROM users WHERE id = %s"
            % user["number"])
        events = self.db.rows(
            "SELECT count(*) FROM user_events WHERE user_id = %s"
            % user["number"])
        r = status_is(self.http.call("GET", "/v1/users/" + user["id"],
                                     token=self.operator), 200,
                      "read-back: GET /v1/users/%s" % user["id"])
        return {"version": version, "events": events,
                "etag": r.headers.get("ETag")}

    def v1_session(self, login, password, project=None):
        body = {"login": login, "password": password}
        if project:
            body["project"] = project
        r = status_is(self.http.call("POST", "/v1/sessions", body), 200,
                      "setup: POST /v1/sessions logs %s in" % login)
        return r.json()["token"]

    def cookie_login(self, contract, user):
        if contract == "medama":
            r = self.http.call("POST", "/auth/login",
                               {"username": user["username"],
                                "password": user["password"]})
        else:
            r = self.http.call("POST", "/api/auth/login",
                               {"email": user["email"],
                                "password": user["password"]})
        status_is(r, 200, "setup: %s login of %s" % (contract,
                                                     user["username"]))
        cookie = set_cookie(r, COOKIES[contract])
        check(cookie, "setup: the %s login set its cookie" % contract, show(r))
        return cookie

    def replay_and_reuse(self, contract, user, patch, read, first, second,
                         credential, fresh):
        """PATCH FIRST twice under one key with CREDENTIAL, then SECOND under
        that key. PATCH(body, key, credential) and READ(credential) are the
        contract's calls; FRESH(r) is the credential a 200 hands out, if any
        (neptun rotates on every email change, so its retry also uses the
        rotated-away cookie, as a client that lost the first answer would)."""
        key = new_key()
        before = self.writes(user)
        r1 = status_is(patch(first, key, credential), 200,
                       "%s: a PATCH with an Idempotency-Key is 200" % contract)
        current = fresh(r1) or credential
        after = self.writes(user)
        check(after["events"] != before["events"] and
              after["version"] != before["version"],
              "%s: the first PATCH wrote (version and audit moved)" % contract,
              before, after)
        r2 = patch(first, key, credential)
        check(r2.status_code == r1.status_code and r2.content == r1.content
              and r2.headers.get("ETag") == r1.headers.get("ETag"),
              "%s: the retry with the same key gets the same status and body "
              "(and ETag, where the contract has one)" % contract, show(r1),
              show(r2))
        current = fresh(r2) or current
        check(self.writes(user) == after,
              "%s: the retry wrote nothing (version, update time, audit rows "
              "and ETag unchanged)" % contract, after, self.writes(user))
        r3 = patch(second, key, current)
        check(r3.status_code == 422 and r3.json() == REUSED[contract],
              "%s: the same key with another body is 422 in the contract's "
              "shape" % contract, show(r3))
        check(self.writes(user) == after,
              "%s: the reused key wrote nothing" % contract, after,
              self.writes(user))
        r4 = read(current)
        check(r4.status_code == 200 and r4.content == r1.content,
              "%s: the user reads back as the first PATCH left it"
              % contract, show(r4))
        return current

    def rotation_replayed(self, contract, user, patch, read, body, old,
                          new_of):
        """A session-rotating PATCH BODY with credential OLD, then its retry
        with the same key and OLD again. NEW_OF(r) is the credential a
        response hands out; READ(credential) reads the user with it."""
        key = new_key()
        r1 = status_is(patch(body, key, old), 200,
                       "%s: the rotating PATCH is 200" % contract)
        rotated = new_of(r1)
        check(rotated and rotated != old,
              "%s: it hands out a new credential" % contract, show(r1))
        status_is(read(old), 401,
                  "%s: the old credential no longer works" % contract)
        status_is(read(rotated), 200,
                  "%s: the new one does" % contract)
        after = self.writes(user)
        r2 = patch(body, key, old)
        check(r2.status_code == 200 and r2.content == r1.content,
              "%s: the retry with the same key and the old credential is "
              "200 with the first body" % contract, show(r1), show(r2))
        again = new_of(r2)
        check(bool(again) and again != old,
              "%s: the retry hands out a credential again" % contract,
              show(r2))
        status_is(read(again), 200,
                  "%s: and that credential works" % contract)
        check(self.writes(user) == after,
              "%s: the retry changed the password no second time (version, "
              "audit rows and ETag unchanged)" % contract, after,
              self.writes(user))

    # -- the contracts -------------------------------------------------------

    def medama(self):
        user = self.provision("medama_idem", "medama-password-1")
        cookie = self.cookie_login("medama", user)
        name = COOKIES["medama"]

        def patch(body, key, credential):
            return self.http.call("PATCH", "/user", body,
                                  cookie=(name, credential), key=key)

        def read(credential):
            return self.http.call("GET", "/user", cookie=(name, credential))

        cookie = self.replay_and_reuse(
            "medama", user, patch, read, {"username": "medama_idem2"},
            {"username": "medama_idem3"}, cookie,
            lambda r: set_cookie(r, name))
        self.rotation_replayed(
            "medama", user, patch, read, {"password": "medama-password-2"},
            cookie, lambda r: set_cookie(r, name))
        self.logout_replayed("medama", "POST", "/auth/logout",
                             lambda c: dict(cookie=(name, c)),
                             self.cookie_login("medama", dict(
                                 user, username="medama_idem2",
                                 password="medama-password-2")))

    def neptun(self):
        user = self.provision("neptun_idem", "neptun-password-1")
        cookie = self.cookie_login("neptun", user)
        name = COOKIES["neptun"]
        path = "/api/users/" + user["number"]

        def patch(body, key, credential):
            return self.http.call("PATCH", path, body,
                                  cookie=(name, credential), key=key)

        def read(credential):
            return self.http.call("GET", path, cookie=(name, credential))

        # neptun's body holds only the email, so the read-back compares it.
        cookie = self.replay_and_reuse(
            "neptun", user, patch, read, {"email": "neptun_idem2@example.com"},
            {"email": "neptun_idem3@example.com"}, cookie,
            lambda r: set_cookie(r, name))
        self.rotation_replayed(
            "neptun", user, patch, read, {"password": "neptun-password-2"},
            cookie, lambda r: set_cookie(r, name))
        self.logout_replayed("neptun", "POST", "/api/auth/logout",
                             lambda c: dict(cookie=(name, c)),
                             self.cookie_login("neptun", dict(
                                 user, email="neptun_idem2@example.com",
                                 password="neptun-password-2")))

    def v1(self):
        user = self.provision("v1_idem", "v1-password-1")
        token = self.v1_session("v1_idem", "v1-password-1")
        path = "/v1/users/" + user["id"]

        def patch(body, key, credential):
            return self.http.call("PATCH", path, body, token=credential,
                                  key=key)

        def read(credential):
            return self.http.call("GET", path, token=credential)

        token = self.replay_and_reuse(
            "v1", user, patch, read, {"first_name": "Ada"},
            {"first_name": "Grace"}, token,
            lambda r: r.headers.get("X-Session-Token"))
        self.rotation_replayed(
            "v1", user, patch, read, {"email": "v1_idem_new@example.com"},
            token, lambda r: r.headers.get("X-Session-Token"))
        self.logout_replayed("v1", "DELETE", "/v1/sessions/current",
                             lambda t: dict(token=t),
                             self.v1_session("v1_idem", "v1-password-1"))

    def project(self):
        user = self.provision("project_idem", "project-password-1")
        token = self.v1_session("project_idem", "project-password-1",
                                project="default")
        path = "/default/users/" + user["number"]

        def patch(body, key, credential):
            return self.http.call("PATCH", path, body, token=credential,
                                  key=key)

        def read(credential):
            return self.http.call("GET", path, token=credential)

        self.replay_and_reuse("project", user, patch, read,
                              {"update": {"bio": "first"}},
                              {"update": {"bio": "second"}}, token,
                              lambda r: None)

    def create_user_replayed(self):
        key = new_key()
        body = {"username": "created_idem", "email": "created@example.com",
                "password": "created-password-1"}
        r1 = status_is(self.http.call("POST", "/v1/users", body,
                                      token=self.operator, key=key), 201,
                       "v1: POST /v1/users with an Idempotency-Key is 201")
        r2 = self.http.call("POST", "/v1/users", body, token=self.operator,
                            key=key)
        check(r2.status_code == 201 and r2.content == r1.content,
              "v1: its retry is the same 201 (not 409)", show(r1), show(r2))
        count = self.db.rows("SELECT count(*) FROM users "
                            "WHERE username = 'created_idem'")
        check(count == [["1"]], "v1: one user was created", count)
        r3 = self.http.call("POST", "/v1/users",
                            dict(body, username="created_idem2",
                                 email="created2@example.com"),
                            token=self.operator, key=key)
        check(r3.status_code == 422 and r3.json() == REUSED["v1"],
              "v1: the key with another user is 422", show(r3))

    def logout_replayed(self, contract, method, path, credential, value):
        key = new_key()
        r1 = status_is(self.http.call(method, path, key=key,
                                      **credential(value)), 204,
                       "%s: a logout with an Idempotency-Key is 204"
                       % contract)
        r2 = self.http.call(method, path, key=key, **credential(value))
        check(r2.status_code == r1.status_code,
              "%s: its retry with the ended session gets the same 204"
              % contract, show(r1), show(r2))
        r3 = self.http.call(method, path, **credential(value))
        status_is(r3, 401, "%s: without the key the ended session is 401"
                  % contract)

    def malformed_keys(self):
        token = self.v1_session("v1_idem", "v1-password-1")
        r = self.http.call("DELETE", "/v1/sessions/current", token=token,
                           key="k" * 256)
        check(r.status_code == 400 and r.json().get("error") ==
              "validation_error" and "Idempotency-Key" in r.json()["message"],
              "v1: an Idempotency-Key of 256 characters is 400 naming the "
              "header", show(r))
        # Beast may refuse the control character before the gateway sees it;
        # either way it is a 400.
        r = self.http.call("DELETE", "/v1/sessions/current", token=token,
                           key="k\x01y")
        status_is(r, 400, "v1: an Idempotency-Key with a control character "
                  "is 400")
        status_is(self.http.call("DELETE", "/v1/sessions/current",
                                 token=token), 204,
                  "v1: the session outlived both 400s (they reached no one)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--userd", required=True)
    parser.add_argument("--gateway", required=True)
    args = parser.parse_args()
    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="idempotency-e2e.")
    processes = Processes(work)
    db = None
    try:
        db = Database("e2e_idempotency_%d" % os.getpid())
        db.create(args.userd)
        userd_address = "127.0.0.1:%d" % free_port()
        operator = secrets.token_urlsafe(24)
        processes.start_userd("userd", args.userd, userd_address, db.url,
                              operator)
        base = processes.start_gateway("gateway", args.gateway, free_port(),
                                       userd_address, ["--insecure-cookies"])
        processes.await_ready(base)

        test = Idempotency(db, Http(base), operator)
        test.medama()
        test.neptun()
        test.v1()
        test.project()
        test.create_user_replayed()
        test.malformed_keys()
        print("PASS in %.1f s" % (time.monotonic() - started))
        return 0
    except Failure as e:
        print("FAIL: %s" % e, file=sys.stderr)
        processes.dump_logs()
        return 1
    finally:
        processes.stop_all()
        if db is not None:
            db.drop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
