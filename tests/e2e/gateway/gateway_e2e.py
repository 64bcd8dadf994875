#!/usr/bin/python3
"""End to end: the real userd and user-gateway processes, driven over HTTP
with the documented examples of the four contracts (CONTRACTS.md).

  gateway_e2e.py --userd PATH/TO/userd --gateway PATH/TO/user-gateway \
      --golden tests/gateway/golden --tool tests/tools/grpc_reflect.py

Needs USERS_TEST_DATABASE_URL (a superuser URL; scripts/test sets it). The test
creates its own database there, runs `userd migrate`, starts userd with a
bootstrap token (an admin key of project `default`) and user-gateway in front
of it, waits until the gateway's /readyz says ready, provisions users over
HTTP (POST /v1/users), then walks every contract: the documents' requests and
error bodies, logins, logouts, session rotation, conflicts, etags, the
validateUserUpdated webhook (a local HTTP server, configured through
ProjectService with grpc_reflect.py), suspensions across the contracts
(SuspendUser and UnsuspendUser with grpc_reflect.py), and the common limits.
Finally SIGTERM must stop the gateway with exit code 0. Fails without
USERS_TEST_DATABASE_URL.
"""

import argparse
import hashlib
import hmac
import http.server
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from e2e_support import (Failure, check, free_port, psql,  # noqa: E402
                         read, with_database)

COMMIT_RE = re.compile(r"^[0-9a-f]{7,40}$|^unknown$")


def describe(response):
    return "%s %s -> %d %s %s" % (response.request.method, response.request.url,
                                  response.status_code,
                                  dict(response.headers), response.text[:800])


def cookie_from(response, name):
    """The value of cookie NAME in the response's Set-Cookie headers, and the
    whole header; (None, None) when not set."""
    for header in response.raw.headers.getlist("Set-Cookie"):
        if header.startswith(name + "="):
            return header[len(name) + 1:].split(";", 1)[0], header
    return None, None


def max_age(set_cookie):
    match = re.search(r"Max-Age=(\d+)", set_cookie or "")
    return int(match.group(1)) if match else None


# 300 two-byte characters (600 bytes of UTF-8): userd passes on 500 bytes.
LONG_MESSAGE = "\u00e9" * 300


class Webhook:
    """A validateUserUpdated webhook on a loopback port. It checks the
    signature, records every call and answers by the update's username:
    "reserved" -> {"valid": false, "message": ...}, "longwinded" -> the
    same with a 600-byte message of two-byte characters, "slowpoke" -> no
    answer within 3 s, anything else -> {"valid": true}."""

    def __init__(self, secret):
        self.secret = secret.encode()
        self.calls = []
        webhook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                timestamp = self.headers.get("X-Timestamp", "")
                expected = hmac.new(webhook.secret,
                                    timestamp.encode() + b"." + body,
                                    hashlib.sha256).hexdigest()
                payload = json.loads(body)
                webhook.calls.append({
                    "payload": payload,
                    "signed": hmac.compare_digest(
                        expected, self.headers.get("X-Signature", "")),
                })
                username = payload.get("update", {}).get("username")
                if username == "slowpoke":
                    time.sleep(3)
                    answer = {"valid": True}
                elif username == "reserved":
                    answer = {"valid": False,
                              "message": "This username is reserved"}
                elif username == "longwinded":
                    answer = {"valid": False, "message": LONG_MESSAGE}
                else:
                    answer = {"valid": True}
                data = json.dumps(answer).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d/validate" % self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Gateway:
    """HTTP calls to the gateway; cookies and tokens are passed explicitly."""

    def __init__(self, base):
        self.base = base
        self.http = requests.Session()

    def request(self, method, path, body=None, raw=None, headers=None,
                cookie=None, token=None, content_type="application/json"):
        all_headers = dict(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body)
        if data is not None and content_type:
            all_headers.setdefault("Content-Type", content_type)
        if cookie:
            all_headers["Cookie"] = "%s=%s" % cookie
        if token:
            all_headers["Authorization"] = "Bearer " + token
        response = self.http.request(method, self.base + path, data=data,
                                     headers=all_headers, timeout=30)
        check_request_id(response, all_headers.get("X-Request-Id"))
        return response


def check_request_id(response, sent):
    got = response.headers.get("X-Request-Id", "")
    if sent is not None:
        if got != sent:
            raise Failure("X-Request-Id not echoed: " + describe(response))
    elif not got:
        raise Failure("no X-Request-Id: " + describe(response))


def expect(response, status, what):
    check(response.status_code == status, what, describe(response))
    return response


class Scenario:
    def __init__(self, gw, token, golden_dir, tool, userd_address, webhook,
                 database_url):
        self.gw = gw
        self.admin = token
        self.golden_dir = golden_dir
        self.tool = tool
        self.userd_address = userd_address
        self.webhook = webhook
        self.database_url = database_url

    def golden(self, name):
        with open(os.path.join(self.golden_dir, name)) as f:
            return json.load(f)

    def create_user(self, username, email, password, token=None, role=None):
        body = {"username": username, "email": email, "password": password}
        if role:
            body["role"] = role
        r = self.gw.request("POST", "/v1/users", body, token=token or self.admin)
        expect(r, 201, "POST /v1/users creates %s" % username)
        user = r.json()
        check(re.fullmatch(r"usr_\d+", user["id"]) is not None and
              user["username"] == username and "password" not in user,
              "the created user has a usr_ id and no password", user)
        return user

    def grpc(self, method, data, token):
        cmd = [sys.executable, self.tool, "-plaintext", "-max-time", "30",
               "-H", "authorization: Bearer " + token, "-d", json.dumps(data),
               self.userd_address, method]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
        if proc.returncode != 0:
            raise Failure("grpc_reflect %s failed with %d:\n%s%s"
                          % (method, proc.returncode, proc.stdout, proc.stderr))
        return json.loads(proc.stdout)

    # -- common --------------------------------------------------------------

    def common(self):
        gw = self.gw
        expect(gw.request("GET", "/healthz"), 200, "GET /healthz is 200")
        r = expect(gw.request("GET", "/no/such/route/here"), 404,
                   "an unknown route is 404")
        check(r.json().get("status") == 404, "in the neutral shape", r.text)
        r = expect(gw.request("DELETE", "/api/users/1"), 405,
                   "a wrong method is 405")
        check("PATCH" in r.headers.get("Allow", ""), "with Allow",
              dict(r.headers))
        r = gw.request("GET", "/healthz", headers={"X-Request-Id": "e2e-rid-1"})
        check(r.headers.get("X-Request-Id") == "e2e-rid-1",
              "X-Request-Id is echoed", dict(r.headers))

    # -- v1 ------------------------------------------------------------------

    def v1(self):
        gw = self.gw
        jane = self.create_user("jane_e2e", "jane@example.org",
                                "jane-password-1")
        other = self.create_user("other_e2e", "other@example.org",
                                 "other-password-1")
        path = "/v1/users/" + jane["id"]

        # The document's example request, by an admin key.
        example = {"email": "newemail@example.com", "first_name": "Jane",
                   "last_name": "Smith"}
        r = expect(gw.request("PATCH", path, example, token=self.admin), 200,
                   "v1: the documented PATCH is 200")
        body = r.json()
        check(set(body) >= {"id", "email", "username", "first_name",
                            "last_name", "role", "created_at", "updated_at"},
              "v1: the 200 body has the documented keys", body)
        check(body["id"] == jane["id"] and
              body["email"] == "newemail@example.com" and
              body["first_name"] == "Jane" and body["last_name"] == "Smith" and
              body["email_verified"] is False and body["role"] == "user",
              "v1: the fields are written and the email is unverified", body)
        check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
                           body["updated_at"]) is not None,
              "v1: timestamps are RFC 3339 UTC", body)
        etag = r.headers.get("ETag", "")
        check(re.fullmatch(r'"[^"]+"', etag) is not None, "v1: 200 has an ETag",
              dict(r.headers))
        r = expect(gw.request("GET", path, token=self.admin), 200,
                   "v1: GET reads the user back")
        check(r.json() == body and r.headers.get("ETag") == etag,
              "v1: GET returns the PATCH body and ETag", r.text)

        # If-Match: current etag passes, stale etag is 412 and writes nothing.
        r = expect(gw.request("PATCH", path, {"last_name": "Smyth"},
                              token=self.admin, headers={"If-Match": etag}),
                   200, "v1: a current If-Match is 200")
        new_etag = r.headers["ETag"]
        check(new_etag != etag, "v1: the ETag changes with the user",
              etag, new_etag)
        r = expect(gw.request("PATCH", path, {"last_name": "Stale"},
                              token=self.admin, headers={"If-Match": etag}),
                   412, "v1: a stale If-Match is 412")
        check(r.json().get("error") == "precondition_failed",
              "v1: precondition_failed", r.text)
        r = gw.request("GET", path, token=self.admin)
        check(r.json()["last_name"] == "Smyth", "v1: the 412 wrote nothing",
              r.text)

        # Documented errors.
        r = expect(gw.request("PATCH", path, {"password": "x"},
                              token=self.admin), 400,
                   "v1: password is refused")
        check(r.json() == self.golden("v1_400_password.json"),
              "v1: with the documented message", r.text)
        r = expect(gw.request("PATCH", path, {"nickname": "x"},
                              token=self.admin), 400,
                   "v1: unknown keys are refused")
        check(r.json().get("details", {}).get("nickname"),
              "v1: naming the key", r.text)
        r = expect(gw.request("PATCH", path, {"email": "not-an-email"},
                              token=self.admin), 400,
                   "v1: a bad email is 400 from the service")
        check(r.json() == self.golden("v1_400.json"),
              "v1: in the documented validation_error shape", r.text)
        r = expect(gw.request("PATCH", path, {"username": "other_e2e"},
                              token=self.admin), 409,
                   "v1: a taken username is 409")
        check(r.json() == self.golden("v1_409.json"),
              "v1: Username already taken", r.text)
        r = expect(gw.request("PATCH", "/v1/users/usr_999999",
                              {"first_name": "x"}, token=self.admin), 404,
                   "v1: an unknown user is 404")
        check(r.json() == self.golden("v1_404.json"), "v1: User not found",
              r.text)
        r = expect(gw.request("PATCH", path, {"first_name": "x"}), 401,
                   "v1: no token is 401")
        check(r.json().get("error") == "unauthorized", "v1: unauthorized",
              r.text)
        r = expect(gw.request("PATCH", path, {"first_name": "x"},
                              token="not-a-real-token"), 401,
                   "v1: a bad token is 401")

        # A session token of a plain user: self yes, others and role no.
        r = expect(gw.request("POST", "/v1/sessions",
                              {"login": "jane_e2e",
                               "password": "jane-password-1"}),
                   200, "v1: POST /v1/sessions logs in")
        session = r.json()
        check(session.get("token") and session.get("expire_time"),
              "v1: the session has a token and an expiry", session)
        token = session["token"]
        expect(gw.request("PATCH", path, {"first_name": "Janet"}, token=token),
               200, "v1: a user updates itself with a session token")
        r = expect(gw.request("PATCH", "/v1/users/" + other["id"],
                              {"first_name": "x"}, token=token), 403,
                   "v1: updating another user needs admin")
        check(r.json().get("error") == "forbidden", "v1: forbidden", r.text)
        expect(gw.request("PATCH", path, {"role": "admin"}, token=token), 403,
               "v1: changing role needs admin")
        expect(gw.request("DELETE", "/v1/sessions/current", token=token), 204,
               "v1: DELETE /v1/sessions/current logs out")
        expect(gw.request("PATCH", path, {"first_name": "x"}, token=token), 401,
               "v1: the ended session no longer works")
        expect(gw.request("POST", "/v1/sessions",
                          {"login": "jane_e2e", "password": "wrong-password"}),
               401, "v1: a wrong password is 401")
        return jane

    # -- Medama --------------------------------------------------------------

    def medama(self):
        gw = self.gw
        self.create_user("ayuhito", "ayu@example.org", "medama-password-1")
        self.create_user("taken_name", "taken@example.org", "taken-password-1")

        def commit_ok(r):
            if not COMMIT_RE.match(r.headers.get("X-Api-Commit", "")):
                raise Failure("Medama response without X-Api-Commit: " +
                              describe(r))
            return r

        r = commit_ok(gw.request("POST", "/auth/login",
                                 {"username": "ayuhito",
                                  "password": "wrong-password"}))
        expect(r, 401, "medama: bad credentials are 401")
        check(r.json()["error"]["code"] == 401, "medama: error shape", r.text)
        r = commit_ok(gw.request("POST", "/auth/login",
                                 {"username": "ayuhito",
                                  "password": "medama-password-1"}))
        expect(r, 200, "medama: login is 200")
        check(r.text == "", "medama: login has an empty body", r.text)
        cookie, header = cookie_from(r, "_me_sess")
        check(cookie and "HttpOnly" in header and "SameSite=Lax" in header and
              "Path=/" in header and 604000 < max_age(header) <= 604800,
              "medama: _me_sess is set with the session's lifetime", header)
        session = ("_me_sess", cookie)

        r = commit_ok(gw.request("PATCH", "/user", {"username": "ab"},
                                 cookie=session))
        expect(r, 400, "medama: a 2-character username is 400")
        check(r.json() == self.golden("medama_400_username.json"),
              "medama: with the documented message", r.text)

        r = commit_ok(gw.request("GET", "/user", cookie=session))
        expect(r, 200, "medama: GET /user")
        before = r.json()
        check(before["username"] == "ayuhito" and
              before["settings"] == {"language": "en", "script_type": []},
              "medama: UserGet with default settings", before)
        time.sleep(1.1)  # dateUpdated has a resolution of one second
        r = commit_ok(gw.request(
            "PATCH", "/user",
            {"settings": {"script_type": ["default", "click-events"]},
             "unknown": "ignored"}, cookie=session))
        expect(r, 200, "medama: PATCH settings is 200")
        after = r.json()
        check(after["settings"] == {"language": "en",
                                    "script_type": ["default", "click-events"]}
              and after["dateCreated"] == before["dateCreated"] and
              after["dateUpdated"] > before["dateUpdated"],
              "medama: settings written, dateUpdated reflects the update",
              before, after)
        r = commit_ok(gw.request("PATCH", "/user", {}, cookie=session))
        expect(r, 200, "medama: {} is a 200 no-op")
        check(r.json() == after, "medama: nothing changed", r.text)
        r = commit_ok(gw.request(
            "PATCH", "/user",
            {"settings": {"script_type": ["default", "default"]}},
            cookie=session))
        expect(r, 400, "medama: duplicate script types are 400")
        r = commit_ok(gw.request("PATCH", "/user", {"username": "taken_name"},
                                 cookie=session))
        expect(r, 409, "medama: a taken username is 409")
        check(r.json()["error"]["code"] == 409, "medama: 409 shape", r.text)
        r = commit_ok(gw.request("PATCH", "/user", {"password": "short"},
                                 cookie=session))
        expect(r, 400, "medama: the service's password policy applies")
        check("password" in r.json()["error"]["message"],
              "medama: the message names the password", r.text)
        r = commit_ok(gw.request("PATCH", "/user", {"username": "ayuhito2"},
                                 cookie=session,
                                 headers={"Origin": "https://evil.example"}))
        expect(r, 403, "medama: a foreign Origin is 403")
        r = commit_ok(gw.request("PATCH", "/user", {"username": "ayuhito2"},
                                 cookie=session,
                                 headers={"Origin": "http://app.test"}))
        expect(r, 200, "medama: an allowed Origin passes")

        # A password change rotates the session and ends the others.
        r = commit_ok(gw.request("POST", "/auth/login",
                                 {"username": "ayuhito2",
                                  "password": "medama-password-1"}))
        expect(r, 200, "medama: a second login opens another session")
        second = ("_me_sess", cookie_from(r, "_me_sess")[0])
        expect(commit_ok(gw.request("GET", "/user", cookie=second)), 200,
               "medama: the second session works")
        r = commit_ok(gw.request("PATCH", "/user",
                                 {"password": "medama-password-2"},
                                 cookie=session))
        expect(r, 200, "medama: a password change is 200")
        rotated, header = cookie_from(r, "_me_sess")
        check(rotated and rotated != cookie and max_age(header) > 0,
              "medama: the response sets a fresh _me_sess", header)
        expect(commit_ok(gw.request("GET", "/user", cookie=session)), 401,
               "medama: the old cookie stopped working")
        session = ("_me_sess", rotated)
        expect(commit_ok(gw.request("GET", "/user", cookie=session)), 200,
               "medama: the new cookie works")
        expect(commit_ok(gw.request("GET", "/user", cookie=second)), 401,
               "medama: the password change ended the other session")

        r = commit_ok(gw.request("POST", "/auth/logout", cookie=session))
        expect(r, 204, "medama: logout is 204")
        _, header = cookie_from(r, "_me_sess")
        check(header and "Max-Age=0" in header, "medama: the cookie is expired",
              header)
        expect(commit_ok(gw.request("GET", "/user", cookie=session)), 401,
               "medama: the session was revoked")
        expect(commit_ok(gw.request("PATCH", "/user", {})), 401,
               "medama: no cookie is 401")

    # -- project -------------------------------------------------------------

    def project(self):
        gw = self.gw
        user = self.create_user("john_e2e", "john@example.org",
                                "john-password-1")
        other = self.create_user("mary_e2e", "mary@example.org",
                                 "mary-password-1")
        uid = user["id"][len("usr_"):]
        r = expect(gw.request("POST", "/v1/sessions",
                              {"project": "default", "login": "john_e2e",
                               "password": "john-password-1"}), 200,
                   "project: the user gets a bearer token")
        token = r.json()["token"]
        path = "/default/users/" + uid

        with open(os.path.join(self.golden_dir, "project_request.json")) as f:
            example = json.load(f)
        r = expect(gw.request("PATCH", path, example, token=token), 400,
                   "project: the document's example (latitude -118.25) is 400")
        check(r.json() == self.golden("project_400_location.json"),
              "project: user/invalid-data naming the latitude", r.text)

        example["update"]["location"]["latitude"] = -18.25
        example["update"].update({
            "name": "John Doe", "avatar": "https://example.com/avatar.jpg",
            "bio": "New bio text", "birthdate": "1990-01-01T00:00:00.000Z",
            "secureMetadata": {"ssn": "000-00-0000"}, "ignoredKey": 1})
        example["update"]["username"] = "  new_username!! "
        r = expect(gw.request("PATCH", path, example, token=token), 200,
                   "project: a valid update is 200")
        body = r.json()
        expected = {
            "id": uid, "username": "new_username", "name": "John Doe",
            "avatar": "https://example.com/avatar.jpg", "bio": "New bio text",
            "birthdate": "1990-01-01T00:00:00.000Z",
            "location": {"type": "Point", "coordinates": [34.05, -18.25]},
            "metadata": {"theme": "dark"}, "suspensions": []}
        check(all(body.get(k) == v for k, v in expected.items()),
              "project: the 200 body has the documented fields", body)
        check("secureMetadata" not in r.text and "000-00-0000" not in r.text,
              "project: secureMetadata is never returned", r.text)
        r = expect(gw.request("GET", path, token=token), 200,
                   "project: GET reads back")
        check(r.json() == body, "project: the same body", r.text)

        for bad in ({}, {"update": {}}):
            r = expect(gw.request("PATCH", path, bad, token=token), 400,
                       "project: %s is 400" % json.dumps(bad))
            check(r.json() == self.golden("project_400_missing.json"),
                  "project: user/missing-data", r.text)
        r = expect(gw.request("PATCH", path, {"update": {"username": "!!!"}},
                              token=token), 400,
                   "project: a username with nothing left is 400")
        check(r.json().get("code") == "user/invalid-data", "invalid-data",
              r.text)
        r = expect(gw.request("PATCH", path,
                              {"update": {"avatar": "ftp://x/y.png"}},
                              token=token), 400,
                   "project: a non-http avatar is 400 from the service")
        check(r.json().get("code") == "user/invalid-data" and
              "avatar" in r.json().get("error", ""),
              "project: naming the avatar", r.text)
        r = expect(gw.request("PATCH", path, {"update": {"bio": "x" * 301}},
                              token=token), 400, "project: a long bio is 400")
        r = expect(gw.request("PATCH", "/default/users/" +
                              other["id"][len("usr_"):],
                              {"update": {"bio": "x"}}, token=token), 403,
                   "project: another user is 403")
        check(r.json().get("code") == "user/not-authorized",
              "project: user/not-authorized", r.text)
        r = expect(gw.request("PATCH", path, {"update": {"bio": "x"}}), 401,
                   "project: no token is 401")
        check(r.json().get("code") == "user/unauthorized",
              "project: user/unauthorized", r.text)
        r = expect(gw.request("PATCH", "/default/users/999999",
                              {"update": {"bio": "x"}}, token=self.admin), 404,
                   "project: an unknown user is 404 for an admin")
        check(r.json() == self.golden("project_404.json"),
              "project: the documented 404", r.text)
        r = expect(gw.request("PATCH", "/otherproj/users/" + uid,
                              {"update": {"bio": "x"}}, token=token), 403,
                   "project: a token of another project is 403")

    def webhook_flow(self):
        gw = self.gw
        secret = "e2e-webhook-secret"
        self.grpc("users.v1.ProjectService/CreateProject",
                  {"projectId": "hooked",
                   "project": {"webhookUri": self.webhook.url,
                               "webhookSecret": secret}}, self.admin)
        key = self.grpc("users.v1.ProjectService/CreateApiKey",
                        {"parent": "projects/hooked",
                         "scopes": ["read", "write", "admin"]},
                        self.admin)["token"]
        user = self.create_user("hook_user", "hook@example.org",
                                "hook-password-1", token=key)
        uid = user["id"][len("usr_"):]
        path = "/hooked/users/" + uid
        self.webhook.calls.clear()

        r = expect(gw.request("PATCH", path, {"update": {"bio": "approved"}},
                              token=key), 200,
                   "webhook: an approved update is 200")
        check(len(self.webhook.calls) == 1, "webhook: called once",
              self.webhook.calls)
        call = self.webhook.calls[0]
        check(call["signed"], "webhook: the HMAC-SHA256 signature verifies",
              call)
        payload = call["payload"]
        check(payload.get("event") == "validateUserUpdated" and
              payload.get("projectId") == "hooked" and
              str(payload.get("userId")) == uid and
              payload.get("update", {}).get("bio") == "approved",
              "webhook: the documented payload", payload)

        r = expect(gw.request("PATCH", path,
                              {"update": {"username": "reserved",
                                          "bio": "nope"}},
                              token=key), 400,
                   "webhook: a rejected update is 400")
        check(r.json() == {"error": "This username is reserved",
                           "code": "user/validation-failed"},
              "webhook: user/validation-failed with the webhook's message",
              r.text)
        r = expect(gw.request("PATCH", path,
                              {"update": {"username": "slowpoke",
                                          "bio": "late"}},
                              token=key), 503,
                   "webhook: a webhook slower than 2 s is 503")
        check(r.json().get("code") == "user/webhook-unavailable",
              "webhook: user/webhook-unavailable", r.text)
        r = expect(gw.request("PATCH", path,
                              {"update": {"username": "longwinded",
                                          "bio": "nope"}},
                              token=key), 400,
                   "webhook: a rejection with a long message is 400")
        check(r.json() == {"error": LONG_MESSAGE[:250],
                           "code": "user/validation-failed"},
              "webhook: its message cut to 500 bytes on a character boundary",
              r.text)

        # Destinations that are not allowed, stored the way a project
        # configured before the rule would be (userd refuses them on
        # UpdateProject): the cloud metadata address, and 0.0.0.0, which
        # reaches this test's own hook on loopback. Each is refused when
        # called: the same 503 as an unreachable hook, nothing sent, nothing
        # written, and nothing about the address in the answer.
        port = self.webhook.server.server_port
        for uri, hints in (
                ("http://169.254.169.254/latest/meta-data/",
                 ("169.254", "meta-data")),
                ("http://0:%d/validate" % port,
                 ("0.0.0.0", str(port)))):
            psql(self.database_url,
                 "update projects set webhook_uri = '%s' where id = 'hooked'"
                 % uri)
            # A key never used before: what userd caches of `key` carries
            # the project's settings, and learns of this change made behind
            # its back only from the database's announcement.
            fresh = self.grpc("users.v1.ProjectService/CreateApiKey",
                              {"parent": "projects/hooked",
                               "scopes": ["read", "write", "admin"]},
                              self.admin)["token"]
            calls = len(self.webhook.calls)
            r = expect(gw.request("PATCH", path,
                                  {"update": {"bio": "somewhere else"}},
                                  token=fresh), 503,
                       "webhook: %s is refused with 503" % uri)
            check(r.json().get("code") == "user/webhook-unavailable",
                  "webhook: a refused destination is "
                  "user/webhook-unavailable", r.text)
            check(not any(hint in r.text for hint in hints),
                  "webhook: the answer does not mention the destination",
                  r.text)
            check(len(self.webhook.calls) == calls,
                  "webhook: nothing was sent to %s" % uri)
        r = gw.request("GET", path, token=key)
        check(r.json().get("bio") == "approved" and
              r.json().get("username") == "hook_user",
              "webhook: refused updates wrote nothing", r.text)

    # -- neptun --------------------------------------------------------------

    def neptun(self):
        gw = self.gw
        user = self.create_user("neptun_e2e", "neptun@example.org",
                                "neptun-password-1")
        other = self.create_user("neptun_other", "neptun2@example.org",
                                 "neptun-password-2")
        uid = int(user["id"][len("usr_"):])

        r = expect(gw.request("POST", "/api/auth/login",
                              {"email": "neptun@example.org",
                               "password": "wrong-password"}), 401,
                   "neptun: bad credentials are 401")
        check(r.json().get("statusMessage") == "Unauthorized.",
              "neptun: Unauthorized.", r.text)
        r = expect(gw.request("POST", "/api/auth/login",
                              {"email": "neptun@example.org",
                               "password": "neptun-password-1"}), 200,
                   "neptun: login is 200")
        check(r.json() == {"user": {"id": uid,
                                    "primary_email": "neptun@example.org"}},
              "neptun: the login body", r.text)
        cookie, header = cookie_from(r, "neptun-session")
        check(cookie and "HttpOnly" in header and max_age(header) > 600000,
              "neptun: neptun-session is set", header)
        session = ("neptun-session", cookie)
        path = "/api/users/%d" % uid

        r = expect(gw.request("PATCH", path, {"email": "not-an-email"},
                              cookie=session), 400,
                   "neptun: the document's invalid email is 400")
        check(r.json() == self.golden("neptun_400.json"),
              "neptun: the documented body with data.issues", r.text)
        r = expect(gw.request("PATCH", path, {}, cookie=session), 400,
                   "neptun: an empty body is 400")
        check(r.json() == self.golden("neptun_400_missing.json"),
              "neptun: without data", r.text)
        r = expect(gw.request("PATCH", "/api/users/abc",
                              {"email": "a@example.org"}, cookie=session), 400,
                   "neptun: a non-integer id is 400")
        r = expect(gw.request("PATCH", "/api/users/%s" % other["id"][4:],
                              {"email": "x@example.org"}, cookie=session), 401,
                   "neptun: another user's id is 401")
        check(r.json() == {"statusCode": 401, "statusMessage": "Unauthorized.",
                           "message": "Unauthorized."},
              "neptun: in the documented shape", r.text)
        r = expect(gw.request("PATCH", path, {"email": "neptun2@example.org"},
                              cookie=session), 409,
                   "neptun: a taken email is 409")
        r = expect(gw.request("PATCH", path, {"password": "short"},
                              cookie=session), 400,
                   "neptun: the password policy applies")
        issues = r.json().get("data", {}).get("issues", [])
        check(any(i.get("path") == ["password"] for i in issues),
              "neptun: the issue names the password", r.text)
        r = expect(gw.request("PATCH", path, {"email": "x@example.org"},
                              cookie=session,
                              headers={"Origin": "https://evil.example"}), 403,
                   "neptun: a foreign Origin is 403")

        r = expect(gw.request("PATCH", path,
                              {"email": "fresh-neptun@example.com"},
                              cookie=session), 200,
                   "neptun: the documented email change is 200")
        check(r.json() == {"user": {"id": uid,
                                    "primary_email": "fresh-neptun@example.com"}},
              "neptun: the documented 200 body", r.text)
        rotated, header = cookie_from(r, "neptun-session")
        check(rotated and rotated != cookie and max_age(header) > 0,
              "neptun: the session cookie is re-issued, rotated", header)
        expect(gw.request("GET", path, cookie=session), 401,
               "neptun: the old cookie stopped working")
        session = ("neptun-session", rotated)
        r = expect(gw.request("GET", path, cookie=session), 200,
                   "neptun: GET reads back with the new cookie")
        check(r.json()["user"]["primary_email"] == "fresh-neptun@example.com",
              "neptun: the new email", r.text)
        r = expect(gw.request("POST", "/api/auth/logout", cookie=session), 204,
                   "neptun: logout is 204")
        expect(gw.request("GET", path, cookie=session), 401,
               "neptun: the session was revoked")

    # -- identifiers -----------------------------------------------------------

    def identifiers(self):
        """Unicode usernames, emails and passwords through three contracts."""
        gw = self.gw
        ann = self.create_user("Ann", "ann@example.net", "ann-password-1")
        path = "/v1/users/" + ann["id"]

        refused = {
            "cyrillic a": "\u0430dmin",  # аdmin
            "@": "ann2@example.net",
            "zero-width space": "an\u200bn2",
            "soft hyphen": "an\u00adn2",
            "right-to-left override": "\u202enna2",
        }
        for label, username in refused.items():
            r = expect(gw.request("POST", "/v1/users",
                                  {"username": username,
                                   "email": "x2@example.net",
                                   "password": "x-password-1"},
                                  token=self.admin), 400,
                       "identifiers: v1 create with a %s is 400" % label)
            check(r.json().get("error") == "validation_error" and
                  r.json().get("details", {}).get("username"),
                  "identifiers: v1 names the username (%s)" % label, r.text)
            r = expect(gw.request("PATCH", path, {"username": username},
                                  token=self.admin), 400,
                       "identifiers: v1 rename to a %s is 400" % label)
            check(r.json().get("details", {}).get("username"),
                  "identifiers: v1 names the username (%s)" % label, r.text)
        r = expect(gw.request("GET", path, token=self.admin), 200,
                   "identifiers: GET after the refused renames")
        check(r.json()["username"] == "Ann", "identifiers: nothing written",
              r.text)
        self.create_user("\u0430\u0434\u043c\u0438\u043d",
                         "admin-cyrillic@example.net", "x-password-1")

        # Case, width and normalisation: one name, the second is 409.
        for same in ("ann", "ANN", "\uff21\uff2e\uff2e"):
            r = expect(gw.request("POST", "/v1/users",
                                  {"username": same,
                                   "email": "ann-again@example.net",
                                   "password": "x-password-1"},
                                  token=self.admin), 409,
                       "identifiers: %r after Ann is 409" % same)
            check(r.json() == self.golden("v1_409.json"),
                  "identifiers: Username already taken", r.text)
        r = expect(gw.request("POST", "/v1/users",
                              {"username": "Jose\u0301",
                               "email": "jose@example.net",
                               "password": "x-password-1"},
                              token=self.admin), 201,
                   "identifiers: a decomposed Jose\u0301 is created")
        check(r.json()["username"] == "Jos\u00e9",
              "identifiers: stored and returned in NFC", r.text)
        expect(gw.request("POST", "/v1/users",
                          {"username": "jos\u00e9",
                           "email": "jose2@example.net",
                           "password": "x-password-1"},
                          token=self.admin), 409,
               "identifiers: the composed spelling is the same name")
        expect(gw.request("POST", "/v1/users",
                          {"username": "ann_mail", "email": "ANN@EXAMPLE.NET",
                           "password": "x-password-1"},
                          token=self.admin), 409,
               "identifiers: an email differing only by case is 409")

        # Logins: any case or width of the username; an email only by email.
        r = expect(gw.request("POST", "/v1/sessions",
                              {"login": "\uff21\uff2e\uff2e",
                               "password": "ann-password-1"}), 200,
                   "identifiers: v1 login by the full-width username")
        token = r.json()["token"]
        expect(gw.request("GET", path, token=token), 200,
               "identifiers: the session is Ann's")
        expect(gw.request("POST", "/v1/sessions",
                          {"login": "ANN@example.net",
                           "password": "ann-password-1"}), 200,
               "identifiers: v1 login by email in another case")

        # Medama: the same refusal in its shape.
        r = expect(gw.request("POST", "/auth/login",
                              {"username": "ann",
                               "password": "ann-password-1"}),
                   200, "identifiers: medama login by username")
        session = ("_me_sess", cookie_from(r, "_me_sess")[0])
        r = expect(gw.request("PATCH", "/user",
                              {"username": "\u0430nn_medama"},
                              cookie=session), 400,
                   "identifiers: medama refuses a mixed-script username")
        check(r.json()["error"]["code"] == 400 and
              "username" in r.json()["error"]["message"],
              "identifiers: medama's message names the username", r.text)
        r = expect(gw.request("PATCH", "/user",
                              {"username": "\uff41\uff4e\uff4e"},
                              cookie=session), 200,
                   "identifiers: medama renames Ann to its full-width form")
        check(r.json()["username"] == "\uff41\uff4e\uff4e",
              "identifiers: stored as sent", r.text)

        # neptun logs in by email: a username can no longer be someone's
        # email address, so it cannot capture that login.
        mallory = self.create_user("mallory_e2e", "mallory@example.net",
                                   "mallory-password-1")
        expect(gw.request("PATCH", "/v1/users/" + mallory["id"],
                          {"username": "ann@example.net"}, token=self.admin),
               400, "identifiers: a username that is an email is 400")
        r = expect(gw.request("POST", "/api/auth/login",
                              {"email": "ann@example.net",
                               "password": "ann-password-1"}), 200,
                   "identifiers: neptun login by email finds Ann")
        check(r.json()["user"]["id"] == int(ann["id"][len("usr_"):]),
              "identifiers: and only Ann", r.text)

        # A password typed composed or decomposed is the same password.
        self.create_user("cafe_e2e", "cafe@example.net", "caf\u00e9-password")
        expect(gw.request("POST", "/v1/sessions",
                          {"login": "cafe_e2e",
                           "password": "cafe\u0301-password"}), 200,
               "identifiers: a decomposed password verifies")
    # -- suspensions --------------------------------------------------------

    def suspensions(self):
        gw = self.gw
        user = self.create_user("susp_e2e", "susp@example.org",
                                "susp-password-1")
        uid = user["id"][len("usr_"):]
        name = "projects/default/users/" + uid
        medama_login = {"username": "susp_e2e", "password": "susp-password-1"}
        neptun_login = {"email": "susp@example.org",
                        "password": "susp-password-1"}
        v1_login = {"login": "susp_e2e", "password": "susp-password-1"}

        r = expect(gw.request("POST", "/auth/login", medama_login), 200,
                   "suspensions: medama login before")
        medama = ("_me_sess", cookie_from(r, "_me_sess")[0])
        r = expect(gw.request("POST", "/api/auth/login", neptun_login), 200,
                   "suspensions: neptun login before")
        neptun = ("neptun-session", cookie_from(r, "neptun-session")[0])
        r = expect(gw.request("POST", "/v1/sessions", v1_login), 200,
                   "suspensions: v1 login before")
        bearer = r.json()["token"]
        key = self.grpc("users.v1.ProjectService/CreateApiKey",
                        {"parent": "projects/default", "user": name,
                         "scopes": ["read", "write"]}, self.admin)["token"]
        expect(gw.request("GET", "/default/users/" + uid, token=key), 200,
               "suspensions: the user's key works before")

        suspended = self.grpc("users.v1.UserService/SuspendUser",
                              {"name": name, "reason": "e2e abuse"},
                              self.admin)
        check([s.get("reason") for s in suspended.get("suspensions", [])] ==
              ["e2e abuse"] and "expireTime" not in suspended["suspensions"][0],
              "suspensions: SuspendUser returns the suspension", suspended)

        # Its sessions ended: each contract's 401.
        r = expect(gw.request("GET", "/user", cookie=medama), 401,
                   "suspensions: medama's cookie stopped working")
        check(r.json()["error"]["code"] == 401, "medama 401 shape", r.text)
        r = expect(gw.request("GET", "/api/users/" + uid, cookie=neptun), 401,
                   "suspensions: neptun's cookie stopped working")
        check(r.json().get("statusMessage") == "Unauthorized.",
              "neptun 401 shape", r.text)
        r = expect(gw.request("GET", "/v1/users/" + user["id"], token=bearer),
                   401, "suspensions: the v1 bearer token stopped working")
        check(r.json().get("error") == "unauthorized", "v1 401 shape", r.text)
        r = expect(gw.request("GET", "/default/users/" + uid, token=bearer),
                   401, "suspensions: the project bearer token too")
        check(r.json().get("code") == "user/unauthorized",
              "project 401 shape", r.text)

        # The right password is 403 without a cookie; a wrong one stays 401.
        for path, body, golden in (
                ("/auth/login", medama_login, "medama_403_suspended.json"),
                ("/api/auth/login", neptun_login, "neptun_403_suspended.json"),
                ("/v1/sessions", v1_login, "v1_403_suspended.json")):
            r = expect(gw.request("POST", path, body), 403,
                       "suspensions: %s with the right password is 403" % path)
            check(r.json() == self.golden(golden), "in the contract's shape",
                  r.text)
            check(not r.headers.get("Set-Cookie"), "and sets no cookie",
                  dict(r.headers))
            wrong = dict(body, password="not-the-password")
            expect(gw.request("POST", path, wrong), 401,
                   "suspensions: %s with a wrong password is 401" % path)

        # The user's own key is refused; an admin still reads the user.
        r = expect(gw.request("GET", "/default/users/" + uid, token=key), 403,
                   "suspensions: the project contract refuses the user's key")
        check(r.json() == self.golden("project_403_suspended.json"),
              "project: user/suspended", r.text)
        r = expect(gw.request("GET", "/v1/users/" + user["id"], token=key),
                   403, "suspensions: v1 refuses the user's key")
        check(r.json() == self.golden("v1_403_suspended.json"),
              "v1: forbidden, Account suspended", r.text)

        end = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                            time.gmtime(int(time.time()) + 3600))
        self.grpc("users.v1.UserService/SuspendUser",
                  {"name": name, "reason": "cool down", "expireTime": end},
                  self.admin)
        r = expect(gw.request("GET", "/default/users/" + uid,
                              token=self.admin), 200,
                   "suspensions: the project contract reads the user")
        listed = r.json()["suspensions"]
        date = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        check(len(listed) == 2 and
              listed[0]["reason"] == "e2e abuse" and
              listed[0]["endDate"] is None and
              listed[1]["reason"] == "cool down" and
              listed[1]["endDate"] == end[:-1] + ".000Z" and
              all(date.match(s["startDate"]) for s in listed),
              "suspensions: {reason, startDate, endDate|null} in force", listed)

        unsuspended = self.grpc("users.v1.UserService/UnsuspendUser",
                                {"name": name}, self.admin)
        check(not unsuspended.get("suspensions"),
              "suspensions: UnsuspendUser ends them all", unsuspended)
        r = expect(gw.request("GET", "/default/users/" + uid, token=key), 200,
                   "suspensions: the key works again")
        check(r.json()["suspensions"] == [], "with no suspension listed",
              r.text)
        r = expect(gw.request("POST", "/auth/login", medama_login), 200,
                   "suspensions: medama login works again")
        check(cookie_from(r, "_me_sess")[0], "with a cookie", dict(r.headers))
        expect(gw.request("POST", "/api/auth/login", neptun_login), 200,
               "suspensions: neptun login works again")
        expect(gw.request("POST", "/v1/sessions", v1_login), 200,
               "suspensions: v1 login works again")

    # -- limits --------------------------------------------------------------

    def limits(self, jane):
        gw = self.gw
        path = "/v1/users/" + jane["id"]
        r = expect(gw.request("PATCH", path, raw='{"first_name":"x"}',
                              token=self.admin, content_type="text/plain"),
                   415, "limits: a non-JSON content type is 415")
        expect(gw.request("PATCH", path, raw='{"first_name":"x"}',
                          token=self.admin,
                          content_type="application/json; charset=utf-8"),
               200, "limits: a charset parameter is fine")
        r = expect(gw.request("PATCH", path,
                              raw='{"first_name":"a","first_name":"b"}',
                              token=self.admin), 400,
                   "limits: duplicate keys are 400")
        check(r.json().get("error") == "validation_error", "in v1's shape",
              r.text)
        expect(gw.request("PATCH", path, raw=b'{"first_name":"\xff"}',
                          token=self.admin), 400,
               "limits: invalid UTF-8 is 400")
        expect(gw.request("PATCH", path, raw="[1]", token=self.admin), 400,
               "limits: a non-object body is 400")
        expect(gw.request("PATCH", path, raw="[" * 40 + "]" * 40,
                          token=self.admin), 400,
               "limits: nesting deeper than 32 is 400")
        r = expect(gw.request("PATCH", path,
                              raw='{"first_name":"%s"}' % ("x" * 70000),
                              token=self.admin), 413,
                   "limits: a body over 64 KiB is 413")
        r = expect(gw.request("PATCH", "/api/users/1",
                              raw='{"email":"%s"}' % ("x" * 70000),
                              cookie=("neptun-session", "x")), 413,
                   "limits: 413 in neptun's shape too")
        check(r.json().get("statusCode") == 413, "neptun 413 shape", r.text)
        r = gw.request("GET", "/healthz",
                       headers={"X-Big": "a" * (17 * 1024)})
        check(r.status_code == 431, "limits: headers over 16 KiB are 431",
              r.status_code)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--userd", required=True)
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--golden", required=True)
    parser.add_argument("--tool", required=True)
    args = parser.parse_args()

    base_url = os.environ.get("USERS_TEST_DATABASE_URL")
    if not base_url:
        print("FAIL: USERS_TEST_DATABASE_URL is not set: run the tests with "
              "scripts/test, or export a superuser URL of a throwaway "
              "PostgreSQL cluster", file=sys.stderr)
        return 1

    work = tempfile.mkdtemp(prefix="gateway-e2e.")
    userd_log = os.path.join(work, "userd.log")
    gateway_log = os.path.join(work, "gateway.log")
    db = "e2e_gateway_%d" % os.getpid()
    url = with_database(base_url, db)
    userd = gateway = None
    webhook = Webhook("e2e-webhook-secret")
    try:
        psql(base_url, "create database %s" % db)
        migrate = subprocess.run([args.userd, "migrate", "--database-url", url],
                                 capture_output=True, text=True, timeout=120)
        check(migrate.returncode == 0, "userd migrate", migrate.stdout,
              migrate.stderr)

        userd_address = "127.0.0.1:%d" % free_port()
        gateway_port = free_port()
        admin_port = free_port()
        token = secrets.token_urlsafe(24)
        with open(userd_log, "w") as log:
            userd = subprocess.Popen(
                [args.userd, "--listen", userd_address, "--database-url", url,
                 "--bootstrap-token", token,
                 # The test's webhook is plain http on loopback: allowed
                 # explicitly, and nothing else that is not public.
                 "--webhook-allow-http", "--webhook-allow-cidr",
                 "127.0.0.1/32"],
                stdout=log, stderr=subprocess.STDOUT)
        with open(gateway_log, "w") as log:
            gateway = subprocess.Popen(
                [args.gateway, "--listen", "127.0.0.1:%d" % gateway_port,
                 "--admin-listen", "127.0.0.1:%d" % admin_port,
                 "--userd-address", userd_address, "--insecure-cookies",
                 "--allowed-origins", "http://app.test,https://app.test"],
                stdout=log, stderr=subprocess.STDOUT)
        base = "http://127.0.0.1:%d" % gateway_port
        deadline = time.monotonic() + 60
        ready = False
        while time.monotonic() < deadline and not ready:
            for name, process, path in (("userd", userd, userd_log),
                                        ("user-gateway", gateway, gateway_log)):
                if process.poll() is not None:
                    raise Failure("%s exited with %s:\n%s"
                                  % (name, process.returncode, read(path)))
            try:
                ready = requests.get(base + "/readyz",
                                     timeout=2).status_code == 200
            except requests.RequestException:
                pass
            if not ready:
                time.sleep(0.1)
        check(ready, "user-gateway /readyz is 200 once userd serves",
              read(gateway_log), read(userd_log))

        scenario = Scenario(Gateway(base), token, args.golden, args.tool,
                            userd_address, webhook, url)
        scenario.common()
        jane = scenario.v1()
        scenario.medama()
        scenario.project()
        scenario.webhook_flow()
        scenario.neptun()
        scenario.identifiers()
        scenario.suspensions()
        scenario.limits(jane)

        # Metrics: on the admin listener only.
        r = requests.get(base + "/metrics", timeout=5)
        check(r.status_code == 404, "/metrics is 404 on the public port",
              r.status_code, r.text[:200])
        r = requests.get("http://127.0.0.1:%d/metrics" % admin_port, timeout=5)
        check(r.status_code == 200 and
              re.search(r'^gateway_http_requests_total\{code="\d+",'
                        r'method="PATCH",route="/v1/users/\{user_id\}"\} ',
                        r.text, re.M) and
              "gateway_http_connections_open" in r.text and
              "gateway_build_info{" in r.text,
              "the admin listener serves the gateway's metrics",
              r.status_code, r.text[:500])

        userd.send_signal(signal.SIGTERM)
        try:
            code = userd.wait(timeout=30)
        except subprocess.TimeoutExpired:
            raise Failure("userd still running 30 s after SIGTERM")
        check(code == 0, "SIGTERM stops userd with exit code 0",
              "exit code %s" % code, read(userd_log))
        userd = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if requests.get(base + "/readyz", timeout=5).status_code == 503:
                break
            time.sleep(0.2)
        check(requests.get(base + "/readyz", timeout=5).status_code == 503,
              "/readyz is 503 once userd is gone")
        check(requests.get(base + "/healthz", timeout=5).status_code == 200,
              "/healthz stays 200")
        r = requests.patch(base + "/v1/users/usr_1", json={"first_name": "x"},
                           headers={"Authorization": "Bearer " + token},
                           timeout=30)
        check(r.status_code == 503 and
              r.json().get("error") == "service_unavailable",
              "a call while userd is down is 503", r.status_code, r.text)

        gateway.send_signal(signal.SIGTERM)
        try:
            code = gateway.wait(timeout=30)
        except subprocess.TimeoutExpired:
            raise Failure("user-gateway still running 30 s after SIGTERM")
        check(code == 0, "SIGTERM stops user-gateway with exit code 0",
              "exit code %s" % code, read(gateway_log))
        gateway = None
        print("PASS")
        return 0
    except Failure as e:
        print("FAIL: %s" % e, file=sys.stderr)
        for name, path in (("userd", userd_log), ("user-gateway", gateway_log)):
            if os.path.exists(path):
                print("--- %s log ---\n%s" % (name, read(path)),
                      file=sys.stderr)
        return 1
    finally:
        webhook.close()
        for process in (gateway, userd):
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
