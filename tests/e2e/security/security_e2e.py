#!/usr/bin/python3
"""End to end: attacks on the real userd and user-gateway, each refused.

  security_e2e.py --userd PATH/TO/userd --gateway PATH/TO/user-gateway \
      --tool tests/tools/grpc_reflect.py

Needs USERS_TEST_DATABASE_URL (a superuser URL; scripts/test sets it). The test
creates its own database, runs `userd migrate`, starts userd (cheap Argon2,
a bootstrap token: the operator's key) and two gateways in front of it: one
with the default settings (trusts no X-Forwarded-For) and one that trusts
127.0.0.1 as a proxy (so that a test client can play several addresses).
Then, over HTTP (the four contracts' endpoints) and over gRPC
(grpc_reflect.py), it drives:

- password guessing: the per-address back-off (spoofed X-Forwarded-For,
  other spellings of the login, unknown accounts, the right password during
  the back-off, every login endpoint), its doubling and its 15-minute cap,
  the per-identifier hourly limit across addresses, and separate counting of
  separate clients behind a trusted proxy;
- look-alike usernames: invisible, bidi-control, '@' and mixed-script names,
  case/width/normalisation twins of another user's name, a username equal to
  another user's email, an old username containing '@';
- API keys: scope escalation, the operator's powers, keys bound to a
  demoted admin, ListApiKeys leaking tokens, revoked, expired and replaced
  bootstrap keys;
- suspensions from the attacker's side: a plain user (or its admin-scoped
  key) suspending others or lifting its own suspension;
- session flooding: the 101st session of a user ends the oldest.

Nothing sleeps: to get past a back-off or the hourly window, or to expire a
key, the test moves the rows' times into the past with psql; the checks of a
1- or 2-second back-off are the requests right after the failure that
started it. Fails without USERS_TEST_DATABASE_URL.
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
from e2e_support import (Database, Failure, Processes,  # noqa: E402
                         check, free_port, wait_for)

V1_THROTTLED = {"error": "rate_limited", "message": "Too many login attempts"}
MEDAMA_THROTTLED = {"error": {"code": 429,
                              "message": "too many login attempts"}}
NEPTUN_THROTTLED = {"statusCode": 429, "statusMessage": "Too Many Requests.",
                    "message": "Too many login attempts."}
V1_SUSPENDED = {"error": "forbidden", "message": "Account suspended"}


def show(r):
    return "%s %s -> %d %s" % (r.request.method, r.request.url, r.status_code,
                               r.text[:600])


def status_is(r, status, what):
    check(r.status_code == status, what, show(r))
    return r


class Http:
    """Requests to one gateway; tokens, cookies and X-Forwarded-For are
    explicit per call."""

    def __init__(self, base):
        self.base = base
        self.session = requests.Session()

    def call(self, method, path, body=None, token=None, cookie=None,
             forwarded_for=None, headers=None):
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = "Bearer " + token
        if cookie:
            sent["Cookie"] = "%s=%s" % cookie
        if forwarded_for:
            sent["X-Forwarded-For"] = forwarded_for
        return self.session.request(method, self.base + path, json=body,
                                    headers=sent, timeout=30)

    def v1_login(self, login, password, forwarded_for=None):
        return self.call("POST", "/v1/sessions",
                         {"login": login, "password": password},
                         forwarded_for=forwarded_for)

    def medama_login(self, username, password):
        return self.call("POST", "/auth/login",
                         {"username": username, "password": password})

    def neptun_login(self, email, password):
        return self.call("POST", "/api/auth/login",
                         {"email": email, "password": password})


class Grpc:
    """users.v1 calls through grpc_reflect.py. A call returns (response,
    None) or (None, error) with error = {"code", "reason", "metadata",
    "fields", "retry"} from the status details."""

    def __init__(self, tool, address):
        self.tool = tool
        self.address = address

    def call(self, method, data, token=None):
        argv = [sys.executable, self.tool, "-plaintext", "-max-time", "30",
                "-d", json.dumps(data)]
        if token:
            argv += ["-H", "authorization: Bearer " + token]
        done = subprocess.run(argv + [self.address, "users.v1." + method],
                              capture_output=True, text=True, timeout=90)
        if done.returncode == 0:
            return json.loads(done.stdout), None
        if done.returncode < 64:
            raise Failure("grpc_reflect %s: exit %d\n%s" %
                          (method, done.returncode, done.stderr))
        failure = json.loads(done.stderr)
        error = {"code": failure["code"], "reason": None, "metadata": {},
                 "fields": [], "retry": None, "raw": failure}
        for detail in failure.get("details", {}).get("details", []):
            kind = detail["@type"].rpartition(".")[2]
            if kind == "ErrorInfo":
                error["reason"] = detail.get("reason")
                error["metadata"] = detail.get("metadata", {})
            elif kind == "BadRequest":
                error["fields"] = [v["field"]
                                   for v in detail.get("fieldViolations", [])]
            elif kind == "RetryInfo":
                error["retry"] = detail.get("retryDelay")
        return None, error

    def ok(self, method, data, token, what):
        response, error = self.call(method, data, token)
        check(error is None, what, error and error["raw"])
        return response

    def refused(self, method, data, token, code, reason, what):
        response, error = self.call(method, data, token)
        check(error is not None and error["code"] == code and
              error["reason"] == reason, what, response or error["raw"])
        return error


class Attacks:
    def __init__(self, db, http, proxied, grpc, operator):
        self.db = db
        self.http = http        # a gateway with default settings
        self.proxied = proxied  # a gateway trusting 127.0.0.1 as a proxy
        self.grpc = grpc
        self.operator = operator
        self.users = {}

    # -- helpers -------------------------------------------------------------

    def provision(self, username, email, password, role=None):
        body = {"username": username, "email": email, "password": password}
        if role:
            body["role"] = role
        r = self.http.call("POST", "/v1/users", body, token=self.operator)
        status_is(r, 201, "setup: POST /v1/users creates " + username)
        user = dict(r.json(), password=password)
        user["number"] = user["id"][len("usr_"):]
        user["name"] = "projects/default/users/" + user["number"]
        self.users[username] = user
        return user

    def session_token(self, login, password):
        r = status_is(self.http.v1_login(login, password), 200,
                      "POST /v1/sessions logs %s in" % login)
        return r.json()["token"]

    def streaks(self, key):
        return self.db.rows(
            "SELECT client_address, consecutive_failures "
            "FROM login_failure_streaks WHERE identifier_key = '%s' "
            "ORDER BY client_address" % key)

    def age_streaks(self, key):
        self.db.rows(
            "UPDATE login_failure_streaks "
            "SET last_failure_time = last_failure_time - interval '1 hour' "
            "WHERE identifier_key = '%s'" % key)

    def throttled(self, r, body, what, retry_after=(1, 1)):
        check(r.status_code == 429 and r.json() == body and
              retry_after[0] <= int(r.headers.get("Retry-After", "-1"))
              <= retry_after[1], what, show(r), dict(r.headers))

    # -- login throttling ----------------------------------------------------

    def guessing_through_default_gateway(self):
        """Five wrong guesses from one client, each with another spoofed
        X-Forwarded-For and another spelling of the login, exhaust the free
        attempts: the gateway trusts no forwarded address, userd counts the
        gateway's peer, and all spellings are one identifier."""
        tess = self.provision("tess", "tess@example.com", "tess-password-1")
        spellings = ["tess", "TESS", "Tess", "\uff54\uff45\uff53\uff53",
                     "tEsS"]
        for i, login in enumerate(spellings):
            status_is(self.http.v1_login(login, "guess-%d" % i,
                                         "198.51.100.%d" % (i + 1)), 401,
                      "throttle: guess %d (%r, spoofed X-Forwarded-For) "
                      "is 401" % (i + 1, login))
        # Within the 1 s back-off that the fifth failure started:
        self.throttled(self.http.v1_login("tess", tess["password"],
                                          "198.51.100.77"),
                       V1_THROTTLED, "throttle: the right password after 5 "
                       "failures is 429 with Retry-After: 1, X-Forwarded-For "
                       "notwithstanding")
        self.throttled(self.http.v1_login("tess", "guess-6", "10.0.0.1"),
                       V1_THROTTLED, "throttle: a wrong one gets the very "
                       "same answer")
        self.throttled(self.http.medama_login("tess", tess["password"]),
                       MEDAMA_THROTTLED,
                       "throttle: Medama's /auth/login is 429 in its shape")
        check(self.streaks("tess") == [["127.0.0.1", "5"]],
              "throttle: five failures, all counted for the gateway's peer "
              "127.0.0.1 (no spoofed address recorded; the throttled tries "
              "not counted)", self.streaks("tess"))

        for i in range(5):
            status_is(self.http.v1_login("ghost", "guess-%d" % i), 401,
                      "throttle: guess %d for an unknown account is 401"
                      % (i + 1))
        self.throttled(self.http.v1_login("ghost", "guess-6"), V1_THROTTLED,
                       "throttle: an unknown account is throttled alike "
                       "(same status, body and Retry-After)")

        emails = ["tess@example.com", "TESS@example.com", "Tess@Example.Com",
                  "tess@EXAMPLE.COM", "tEss@example.com"]
        for i, email in enumerate(emails):
            status_is(self.http.neptun_login(email, "guess-%d" % i), 401,
                          "throttle: neptun guess %d (%s) is 401"
                          % (i + 1, email))
        self.throttled(self.http.neptun_login("tess@example.com",
                                              tess["password"]),
                       NEPTUN_THROTTLED, "throttle: neptun's /api/auth/login "
                       "is 429 in its shape for the right password")

        # The back-off passes: a later right password logs in.
        self.age_streaks("tess")
        self.session_token("tess", tess["password"])
        check(self.streaks("tess") == [],
              "throttle: the success ended the username's streak",
              self.streaks("tess"))

        # It doubles: a sixth consecutive failure makes it 2 s.
        for i in range(5):
            status_is(self.http.v1_login("tess", "again-%d" % i), 401,
                      "throttle: failure %d of a new streak" % (i + 1))
        self.age_streaks("tess")
        status_is(self.http.v1_login("tess", "again-6"), 401,
                  "throttle: after the back-off, one more guess is checked "
                  "(and wrong)")
        self.throttled(self.http.v1_login("tess", tess["password"]),
                       V1_THROTTLED, "throttle: after 6 failures the "
                       "back-off is 2 s", retry_after=(2, 2))

        # And stops doubling at 15 minutes.
        self.db.rows("UPDATE login_failure_streaks "
                         "SET consecutive_failures = 40 "
                         "WHERE identifier_key = 'tess'")
        self.throttled(self.http.v1_login("tess", tess["password"]),
                       V1_THROTTLED, "throttle: after 40 failures the "
                       "back-off is capped at 900 s", retry_after=(899, 900))
        error = self.grpc.refused(
            "SessionService/CreateSession",
            {"parent": "projects/default", "login": "tess",
             "password": tess["password"]}, None, "RESOURCE_EXHAUSTED",
            "LOGIN_THROTTLED", "throttle: gRPC CreateSession from the same "
            "address is RESOURCE_EXHAUSTED LOGIN_THROTTLED")
        retry = float((error["retry"] or "0s").rstrip("s"))
        check(890 <= retry <= 900, "throttle: with a RetryInfo of ~900 s",
              error["raw"])
        self.age_streaks("tess")
        self.session_token("tess", tess["password"])

    def separate_clients_behind_a_proxy(self):
        """Behind a gateway that trusts 127.0.0.1 as a proxy, the rightmost
        untrusted X-Forwarded-For entry is the client: one client's guesses
        do not lock another out, and prepending a made-up address does not
        give the guesser a fresh count."""
        sam = self.provision("sam", "sam@example.com", "sam-password-1")
        for i in range(5):
            status_is(self.proxied.v1_login("sam", "guess-%d" % i,
                                            "203.0.113.50"), 401,
                      "proxy: client 203.0.113.50's guess %d is 401" % (i + 1))
        self.throttled(self.proxied.v1_login("sam", "guess-6", "203.0.113.50"),
                       V1_THROTTLED, "proxy: its sixth try is 429")
        self.throttled(self.proxied.v1_login(
            "sam", sam["password"], "198.51.100.9, 203.0.113.50"),
            V1_THROTTLED, "proxy: prepending another address to "
            "X-Forwarded-For does not help it")
        status_is(self.proxied.v1_login("sam", sam["password"],
                                        "203.0.113.51"), 200,
                  "proxy: another client, 203.0.113.51, logs in meanwhile")
        check(self.streaks("sam") == [["203.0.113.50", "5"]],
              "proxy: the failures are counted for 203.0.113.50 only",
              self.streaks("sam"))

    def guessing_from_many_addresses(self):
        """100 wrong guesses for one login within the hour, from 20
        addresses that each stay within their free attempts, close the login
        to every address for the hour, the right password included."""
        wendy = self.provision("wendy", "wendy@example.com",
                               "wendy-password-1")
        codes = set()
        for address in range(1, 21):
            for i in range(5):
                codes.add(self.proxied.v1_login(
                    "wendy", "guess-%d-%d" % (address, i),
                    "203.0.113.%d" % address).status_code)
        check(codes == {401}, "window: 100 guesses from 20 addresses are all "
              "401 (none throttled per address)", codes)
        count = self.db.rows("SELECT count(*) FROM login_failures "
                            "WHERE identifier_key = 'wendy'")
        check(count == [["100"]], "window: 100 failures recorded", count)
        self.throttled(self.proxied.v1_login("wendy", wendy["password"],
                                             "192.0.2.1"),
                       V1_THROTTLED, "window: the right password from a new "
                       "address is 429 for about an hour",
                       retry_after=(3500, 3600))
        self.throttled(self.http.medama_login("wendy", wendy["password"]),
                       MEDAMA_THROTTLED, "window: and through the other "
                       "gateway (another address) too", (3500, 3600))
        self.throttled(self.http.v1_login("WENDY", "guess"), V1_THROTTLED,
                       "window: and for other spellings", (3500, 3600))
        self.db.rows("UPDATE login_failures "
                         "SET failure_time = failure_time - interval '1 hour' "
                         "WHERE identifier_key = 'wendy'")
        status_is(self.proxied.v1_login("wendy", wendy["password"],
                                        "192.0.2.1"), 200,
                  "window: once the failures are an hour old, the right "
                  "password logs in")

    # -- identifiers ---------------------------------------------------------

    def lookalike_usernames(self):
        admin = self.provision("admin", "admin@example.com",
                               "admin-password-1", role="admin")
        victor = self.provision("victor", "victor@example.com",
                                "victor-password-1")
        mallory = self.provision("mallory", "mallory@example.com",
                                 "mallory-password-1")
        self.provision("Jos\u00e9", "jose@example.com", "jose-password-1")
        token = self.session_token("mallory", mallory["password"])
        r = status_is(self.http.medama_login("mallory", mallory["password"]),
                      200, "identifiers: mallory logs in through Medama")
        cookie = ("_me_sess", r.cookies.get("_me_sess"))
        own = "/v1/users/" + mallory["id"]

        refused = {"a zero-width space": ("admin\u200b", "INVALID_CHARACTERS"),
                   "a right-to-left override": ("\u202enimda",
                                                "INVALID_CHARACTERS"),
                   "an @": ("admin@example", "INVALID_CHARACTERS"),
                   "a Cyrillic a": ("\u0430dmin", "MIXED_SCRIPTS")}
        for label, (name, reason) in refused.items():
            error = self.grpc.refused(
                "UserService/CreateUser",
                {"parent": "projects/default",
                 "user": {"username": name, "email": "x@example.com",
                          "password": "x-password-1"}}, self.operator,
                "INVALID_ARGUMENT", "INVALID_FIELD",
                "identifiers: gRPC CreateUser with %s is INVALID_ARGUMENT"
                % label)
            check(error["fields"] == ["user.username"] and
                  error["metadata"].get("user.username") == reason,
                  "identifiers: naming user.username (%s)" % reason,
                  error["raw"])
            r = status_is(self.http.call("PATCH", own, {"username": name},
                                         token=token), 400,
                          "identifiers: v1 rename to %s is 400" % label)
            check(r.json().get("error") == "validation_error" and
                  set(r.json().get("details", {})) == {"username"},
                  "identifiers: v1 details name the username", r.text)
            r = status_is(self.http.call("PATCH", "/user", {"username": name},
                                         cookie=cookie), 400,
                          "identifiers: Medama rename to %s is 400" % label)
            check(r.json()["error"]["code"] == 400 and
                  "username" in r.json()["error"]["message"],
                  "identifiers: Medama's message names the username", r.text)

        # The project contract keeps only [A-Za-z0-9._]: the zero-width
        # space goes, and what is left is another user's name.
        r = status_is(self.http.call(
            "PATCH", "/default/users/" + mallory["number"],
            {"update": {"username": "admin\u200b"}}, token=token), 409,
            "identifiers: project contract rename to admin+ZWSP is 409")
        check(r.json().get("code") == "user/conflict", "as user/conflict",
              r.text)

        fullwidth = "\uff56\uff49\uff43\uff54\uff4f\uff52"
        for twin in ("Victor", "VICTOR", fullwidth, "Jose\u0301", "JOS\u00c9"):
            r = status_is(self.http.call("PATCH", own, {"username": twin},
                                         token=token), 409,
                          "identifiers: v1 rename to %r is 409" % twin)
            check(r.json().get("error") == "conflict", "v1 conflict", r.text)
        status_is(self.http.call("PATCH", "/user", {"username": "VICTOR"},
                                 cookie=cookie), 409,
                  "identifiers: Medama rename to VICTOR is 409")
        self.grpc.refused(
            "UserService/CreateUser",
            {"parent": "projects/default",
             "user": {"username": "\uff36ictor", "email": "v2@example.com",
                      "password": "x-password-1"}}, self.operator,
            "ALREADY_EXISTS", "USERNAME_TAKEN",
            "identifiers: gRPC CreateUser of a full-width Victor is "
            "ALREADY_EXISTS")

        # Taking the victim's email as a username, to catch its email logins.
        r = status_is(self.http.call("PATCH", own,
                                     {"username": "victor@example.com"},
                                     token=token), 400,
                      "identifiers: renaming oneself to victor's email is 400")
        check("username" in r.json().get("details", {}),
              "identifiers: naming the username", r.text)
        r = status_is(self.http.call("GET", own, token=token), 200,
                      "identifiers: mallory reads herself back")
        check(r.json()["username"] == "mallory",
              "identifiers: no refused rename was written", r.text)
        r = status_is(self.http.neptun_login("victor@example.com",
                                             victor["password"]), 200,
                      "identifiers: victor still logs in by email (neptun)")
        check(r.json()["user"]["id"] == int(victor["number"]),
              "identifiers: as victor", r.text)

        # An account from before the rule whose username is victor's email:
        # a login with '@' still matches emails only.
        self.db.rows("UPDATE users SET username = 'victor@example.com', "
                         "username_key = 'victor@example.com' "
                         "WHERE id = %s" % mallory["number"])
        status_is(self.http.v1_login("victor@example.com",
                                     mallory["password"]), 401,
                  "identifiers: a legacy username with '@' does not log in "
                  "with its owner's password")
        victor_token = self.session_token("victor@example.com",
                                          victor["password"])
        status_is(self.http.call("GET", "/v1/users/" + victor["id"],
                                 token=victor_token), 200,
                  "identifiers: the email login is victor's session")
        self.db.rows("UPDATE users SET username = 'mallory', "
                         "username_key = 'mallory' "
                         "WHERE id = %s" % mallory["number"])
        return admin, victor, mallory

    # -- API keys ------------------------------------------------------------

    def api_key_escalation(self, victor, mallory):
        grpc, operator = self.grpc, self.operator
        default = "projects/default"
        admin_only = grpc.ok("ProjectService/CreateApiKey",
                             {"parent": default, "scopes": ["admin"]},
                             operator, "keys: the operator makes an "
                             "admin-only key")
        error = grpc.refused(
            "ProjectService/CreateApiKey",
            {"parent": default, "scopes": ["admin", "write"]},
            admin_only["token"], "PERMISSION_DENIED", "SCOPE_NOT_HELD",
            "keys: an admin-only key cannot mint an admin+write key")
        check(error["metadata"].get("scope") == "write",
              "keys: the scope not held is write", error["raw"])

        admin = grpc.ok("ProjectService/CreateApiKey",
                        {"parent": default, "scopes": ["admin", "write"]},
                        operator, "keys: the operator makes an admin key of "
                        "project default")
        grpc.refused("ProjectService/CreateProject",
                     {"project_id": "rogue", "project": {}}, admin["token"],
                     "PERMISSION_DENIED", "OPERATOR_ONLY",
                     "keys: an admin of default is not the operator: no "
                     "CreateProject")
        grpc.ok("ProjectService/CreateProject",
                {"project_id": "other", "project": {}}, operator,
                "keys: the operator creates project other")
        grpc.refused("ProjectService/CreateApiKey",
                     {"parent": "projects/other", "scopes": ["read"]},
                     admin["token"], "PERMISSION_DENIED", "OTHER_PROJECT",
                     "keys: nor keys in project other")
        grpc.refused("ProjectService/ListApiKeys",
                     {"parent": "projects/other"}, admin["token"],
                     "PERMISSION_DENIED", "OTHER_PROJECT",
                     "keys: nor lists project other's keys")
        operator_key = self.db.rows("SELECT project_id, id FROM api_keys "
                                   "WHERE is_operator")
        check(len(operator_key) == 1, "keys: one operator key", operator_key)
        grpc.refused("ProjectService/DeleteApiKey",
                     {"name": "projects/%s/apiKeys/%s" % tuple(
                         operator_key[0])},
                     admin["token"], "PERMISSION_DENIED", "OPERATOR_KEY",
                     "keys: nor deletes the operator's key")

        # A user cannot mint keys; an admin's session mints keys of itself.
        mallory_token = self.session_token("mallory", mallory["password"])
        grpc.refused("ProjectService/CreateApiKey",
                     {"parent": default, "scopes": ["read"]}, mallory_token,
                     "PERMISSION_DENIED", "SCOPE_MISSING",
                     "keys: a plain user's session cannot create keys")
        ada = self.provision("ada", "ada@example.com", "ada-password-1",
                             role="admin")
        ada_token = self.session_token("ada", ada["password"])
        grpc.refused("ProjectService/CreateApiKey",
                     {"parent": default, "scopes": ["read", "write"],
                      "user": victor["name"]}, ada_token, "PERMISSION_DENIED",
                     "NOT_SELF", "keys: an admin's session cannot mint a key "
                     "acting as victor")
        ada_key = grpc.ok("ProjectService/CreateApiKey",
                          {"parent": default, "scopes": ["admin", "write"]},
                          ada_token, "keys: ada's session mints an admin key")
        check(ada_key.get("user") == ada["name"],
              "keys: bound to ada", ada_key)
        victor_path = "/v1/users/" + victor["id"]
        status_is(self.http.call("GET", victor_path, token=ada_key["token"]),
                  200, "keys: ada's key reads victor while ada is an admin")
        status_is(self.http.call("PATCH", "/v1/users/" + ada["id"],
                                 {"role": "user"}, token=operator), 200,
                  "keys: the operator demotes ada")
        status_is(self.http.call("GET", victor_path, token=ada_key["token"]),
                  403, "keys: ada's admin-scoped key no longer reads victor")
        status_is(self.http.call("PATCH", victor_path, {"first_name": "x"},
                                 token=ada_key["token"]), 403,
                  "keys: nor writes victor")
        grpc.refused("ProjectService/CreateApiKey",
                     {"parent": default, "scopes": ["read"]},
                     ada_key["token"], "PERMISSION_DENIED", "SCOPE_MISSING",
                     "keys: nor mints keys")
        status_is(self.http.call("GET", "/v1/users/" + ada["id"],
                                 token=ada_key["token"]), 200,
                  "keys: it still acts as ada herself")

        listing = grpc.ok("ProjectService/ListApiKeys",
                          {"parent": default, "page_size": 1000}, operator,
                          "keys: the operator lists the keys")
        text = json.dumps(listing)
        check(len(listing.get("apiKeys", [])) >= 4 and
              all("token" not in k for k in listing["apiKeys"]) and
              all(t not in text for t in (admin_only["token"], admin["token"],
                                          ada_key["token"], operator)),
              "keys: ListApiKeys returns no token", text[:600])

        # Revoked at once.
        grpc.ok("ProjectService/DeleteApiKey", {"name": admin["name"]},
                operator, "keys: the operator deletes the admin key")
        status_is(self.http.call("GET", victor_path, token=admin["token"]),
                  401, "keys: the deleted key is 401 at once")
        grpc.refused("UserService/GetUser", {"name": victor["name"]},
                     admin["token"], "UNAUTHENTICATED", "TOKEN_INVALID",
                     "keys: and UNAUTHENTICATED over gRPC")

        # Expiry.
        error = grpc.refused(
            "ProjectService/CreateApiKey",
            {"parent": default, "scopes": ["read"],
             "expire_time": "2001-01-01T00:00:00Z"}, operator,
            "INVALID_ARGUMENT", "INVALID_FIELD",
            "keys: an expire_time in the past is INVALID_ARGUMENT")
        check(error["fields"] == ["expire_time"], "keys: naming expire_time",
              error["raw"])
        expiring = grpc.ok(
            "ProjectService/CreateApiKey",
            {"parent": default, "scopes": ["read", "admin"],
             "expire_time": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                          time.gmtime(time.time() + 3600))},
            operator, "keys: a key expiring in an hour")
        status_is(self.http.call("GET", victor_path, token=expiring["token"]),
                  200, "keys: it works before its expiry")
        self.db.rows("UPDATE api_keys SET expire_time = now() - "
                         "interval '1 second' WHERE id = %s"
                         % expiring["name"].rpartition("/")[2])
        # Changed behind userd's back: its principal cache learns of it
        # from the database's announcement, a moment later.
        wait_for(lambda: self.http.call(
            "GET", victor_path, token=expiring["token"]).status_code == 401,
            10, "keys: once expired it is 401")
        status_is(self.http.call("GET", victor_path, token=expiring["token"]),
                  401, "keys: once expired it is 401")
        grpc.refused("UserService/GetUser", {"name": victor["name"]},
                     expiring["token"], "UNAUTHENTICATED", "TOKEN_INVALID",
                     "keys: and UNAUTHENTICATED over gRPC")

    # -- suspensions --------------------------------------------------------

    def suspension_by_a_user(self, victor, mallory):
        grpc = self.grpc
        mallory_token = self.session_token("mallory", mallory["password"])
        grpc.refused("UserService/SuspendUser",
                     {"name": victor["name"], "reason": "spite"},
                     mallory_token, "PERMISSION_DENIED", "SCOPE_MISSING",
                     "suspend: a plain user cannot suspend victor")
        mallory_admin_key = grpc.ok(
            "ProjectService/CreateApiKey",
            {"parent": "projects/default", "scopes": ["admin", "write"],
             "user": mallory["name"]}, self.operator,
            "suspend: the operator makes an admin-scoped key bound to "
            "mallory")
        grpc.refused("UserService/SuspendUser",
                     {"name": victor["name"], "reason": "spite"},
                     mallory_admin_key["token"], "PERMISSION_DENIED",
                     "SCOPE_MISSING", "suspend: nor can her admin-scoped "
                     "key while she is a plain user")
        status_is(self.http.v1_login("victor", victor["password"]), 200,
                  "suspend: victor is not suspended")

        grpc.ok("UserService/SuspendUser",
                {"name": mallory["name"], "reason": "abuse"}, self.operator,
                "suspend: the operator suspends mallory")
        status_is(self.http.call("GET", "/v1/users/" + mallory["id"],
                                 token=mallory_token), 401,
                  "suspend: mallory's session ended")
        grpc.refused("UserService/UnsuspendUser", {"name": mallory["name"]},
                     mallory_admin_key["token"], "PERMISSION_DENIED",
                     "USER_SUSPENDED", "suspend: her key cannot lift her "
                     "suspension")
        grpc.refused("UserService/UnsuspendUser",
                     {"name": "projects/default/users/me"},
                     mallory_admin_key["token"], "PERMISSION_DENIED",
                     "USER_SUSPENDED", "suspend: not even as users/me")
        r = self.http.v1_login("mallory", mallory["password"])
        check(r.status_code == 403 and r.json() == V1_SUSPENDED and
              "Set-Cookie" not in r.headers,
              "suspend: her right password is 403 Account suspended", show(r))
        status_is(self.http.v1_login("mallory", "not-her-password"), 401,
                  "suspend: a wrong one stays 401")
        suspensions = self.db.rows("SELECT count(*) FROM user_events WHERE "
                                  "user_id = %s AND action = 'unsuspend'"
                                  % mallory["number"])
        check(suspensions == [["0"]], "suspend: nothing was unsuspended",
              suspensions)

    # -- sessions ------------------------------------------------------------

    def session_flood(self):
        sid = self.provision("sid", "sid@example.com", "sid-password-1")
        logins = [self.http.v1_login("sid", sid["password"])
                  for _ in range(101)]
        check(all(r.status_code == 200 for r in logins),
              "sessions: 101 logins of one user are all 200",
              [r.status_code for r in logins])
        tokens = [r.json().get("token") for r in logins]
        check(all(tokens) and len(set(tokens)) == 101,
              "sessions: each got its own token")
        path = "/v1/users/" + sid["id"]
        status_is(self.http.call("GET", path, token=tokens[0]), 401,
                  "sessions: the 101st login ended the first session")
        status_is(self.http.call("GET", path, token=tokens[1]), 200,
                  "sessions: the second still works")
        status_is(self.http.call("GET", path, token=tokens[100]), 200,
                  "sessions: the newest works")
        count = self.db.rows("SELECT count(*) FROM sessions WHERE user_id = %s"
                            % sid["number"])
        check(count == [["100"]], "sessions: 100 sessions are left", count)


def replace_bootstrap_token(processes, args, db, grpc, http, userd_address,
                            old):
    processes.stop("userd")
    new = secrets.token_urlsafe(24)
    processes.start_userd("userd", args.userd, userd_address, db.url, new)
    processes.await_ready(http.base)
    grpc.refused("UserService/ListUsers", {"parent": "projects/default"}, old,
                 "UNAUTHENTICATED", "TOKEN_INVALID",
                 "bootstrap: after a restart with a new token the old "
                 "bootstrap key is UNAUTHENTICATED")
    status_is(http.call("POST", "/v1/users",
                        {"username": "late", "email": "late@example.com",
                         "password": "late-password-1"}, token=old), 401,
              "bootstrap: and 401 through the gateway")
    grpc.ok("ProjectService/CreateProject",
            {"project_id": "newer", "project": {}}, new,
            "bootstrap: the new token is the operator")
    keys = db.rows("SELECT count(*) FROM api_keys WHERE is_operator")
    check(keys == [["1"]], "bootstrap: one operator key", keys)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--userd", required=True)
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--tool", required=True)
    args = parser.parse_args()
    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="security-e2e.")
    processes = Processes(work)
    db = None
    try:
        db = Database("e2e_security_%d" % os.getpid())
        db.create(args.userd)
        userd_address = "127.0.0.1:%d" % free_port()
        operator = secrets.token_urlsafe(24)
        processes.start_userd("userd", args.userd, userd_address, db.url,
                              operator)
        base = processes.start_gateway("gateway", args.gateway, free_port(),
                                       userd_address, ["--insecure-cookies"])
        proxied = processes.start_gateway(
            "proxied-gateway", args.gateway, free_port(), userd_address,
            ["--insecure-cookies", "--trusted-proxy-cidrs", "127.0.0.1/32"])
        processes.await_ready(base)
        processes.await_ready(proxied)
        http = Http(base)
        grpc = Grpc(args.tool, userd_address)

        attacks = Attacks(db, http, Http(proxied), grpc, operator)
        attacks.guessing_through_default_gateway()
        attacks.separate_clients_behind_a_proxy()
        attacks.guessing_from_many_addresses()
        _, victor, mallory = attacks.lookalike_usernames()
        attacks.api_key_escalation(victor, mallory)
        attacks.suspension_by_a_user(victor, mallory)
        attacks.session_flood()
        replace_bootstrap_token(processes, args, db, grpc, http,
                                userd_address, operator)
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
