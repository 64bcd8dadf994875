#!/usr/bin/python3
"""The example requests of the five documents in ../shared/seeds/, run as
written (curl, Python requests, Python httpx, TypeScript fetch under Node)
against the real userd and user-gateway with real credentials, checking that
each gets the documented response shape.

  document_examples.py --userd PATH/TO/userd --gateway PATH/TO/user-gateway \
      --tool tests/tools/grpc_reflect.py

Each example keeps its document's request; only the host, the credential and
the user id are replaced by real ones. Needs USERS_TEST_DATABASE_URL (scripts/test
sets it), curl, node (for fetch) and Debian's python3-requests and
python3-httpx. The neptun examples run in a project of their own so that the
documents' shared address newemail@example.com does not collide with the v1
example's. Seed 004's fetch example relies on a browser's cookie jar
(`credentials: 'include'`) and has no Node equivalent; its cookie-passing
httpx example runs instead. Fails without USERS_TEST_DATABASE_URL.
"""

import argparse
import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time

import httpx
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gateway_e2e import (Failure, check, free_port, psql, read,  # noqa: E402
                         with_database)

NEPTUN_PROJECT = "neptun-docs"
V1_RESPONSE_KEYS = {"id", "email", "username", "first_name", "last_name",
                    "role", "created_at", "updated_at"}


def grpc_call(tool, address, token, method, request):
    result = subprocess.run(
        ["/usr/bin/python3", tool, "-plaintext", "-H",
         "authorization: Bearer " + token, "-d", json.dumps(request), address,
         method], capture_output=True, text=True, timeout=60)
    check(result.returncode == 0, "grpc %s" % method, result.stdout,
          result.stderr)
    return json.loads(result.stdout)


def neptun_cookie(headers):
    for value in headers:
        if value.startswith("neptun-session="):
            return value[len("neptun-session="):].split(";", 1)[0]
    return None


def check_neptun_200(status, body, email, what):
    check(status == 200, what + ": 200", status, body)
    check(set(body) == {"user"} and set(body["user"]) == {"id",
                                                           "primary_email"},
          what + ": body is {user: {id, primary_email}}", body)
    check(isinstance(body["user"]["id"], int) and
          body["user"]["primary_email"] == email,
          what + ": id is a number, primary_email the new address", body)


class Examples:
    def __init__(self, base, token, tool, userd_address, work):
        self.base = base
        self.token = token
        self.tool = tool
        self.userd_address = userd_address
        self.work = work

    # --- seed 001: generic v1 ---------------------------------------------

    def v1(self):
        created = requests.post(
            self.base + "/v1/users",
            headers={"Authorization": "Bearer " + self.token},
            json={"username": "docs_v1", "email": "docs_v1@example.com",
                  "password": "correct horse"}, timeout=30)
        check(created.status_code == 201, "provision the v1 user",
              created.text)
        user_id = created.json()["id"]

        # The cURL example, as written.
        curl = subprocess.run(
            ["curl", "-s", "-X", "PATCH", self.base + "/v1/users/" + user_id,
             "-H", "Authorization: Bearer " + self.token,
             "-H", "Content-Type: application/json",
             "-d", '{\n    "email": "newemail@example.com",\n'
                   '    "first_name": "Jane",\n    "last_name": "Smith"\n  }'],
            capture_output=True, text=True, timeout=30)
        body = json.loads(curl.stdout)
        check(V1_RESPONSE_KEYS <= set(body), "001 curl: the documented keys",
              body)
        check(body["email"] == "newemail@example.com" and
              body["first_name"] == "Jane" and body["last_name"] == "Smith" and
              body["id"] == user_id, "001 curl: the update is in the body",
              body)
        check(body["created_at"].endswith("Z") and
              body["updated_at"].endswith("Z"),
              "001 curl: RFC 3339 UTC timestamps", body)

        # The Python example, as written.
        headers = {
            'Authorization': 'Bearer ' + self.token,
            'Content-Type': 'application/json'
        }
        data = {
            'email': 'newemail@example.com',
            'first_name': 'Jane',
            'last_name': 'Smith'
        }
        response = requests.patch(
            self.base + '/v1/users/' + user_id,
            headers=headers,
            json=data
        )
        check(response.status_code == 200 and
              V1_RESPONSE_KEYS <= set(response.json()),
              "001 requests: 200 with the documented keys", response.text)

        # The documented request body with every field, and its errors.
        full = requests.patch(
            self.base + "/v1/users/" + user_id, headers=headers,
            json={"email": "newemail@example.com", "username": "newusername",
                  "first_name": "Jane", "last_name": "Smith", "role": "admin"})
        check(full.status_code == 200 and full.json()["role"] == "admin" and
              full.json()["username"] == "newusername",
              "001 request body (admin key): 200, role admin", full.text)
        bad = requests.patch(self.base + "/v1/users/" + user_id,
                             headers=headers, json={"email": "nope"})
        check(bad.status_code == 400 and bad.json()["error"] ==
              "validation_error" and "email" in bad.json()["details"],
              "001 400: validation_error with details.email", bad.text)
        missing = requests.patch(self.base + "/v1/users/usr_999999",
                                 headers=headers, json={"first_name": "x"})
        check(missing.status_code == 404 and missing.json() ==
              {"error": "not_found", "message": "User not found"},
              "001 404: the documented body", missing.text)

    # --- seed 002: project-scoped ------------------------------------------

    def project(self):
        created = requests.post(
            self.base + "/v1/users",
            headers={"Authorization": "Bearer " + self.token},
            json={"username": "docs_project", "email": "docs_p@example.com",
                  "password": "correct horse"}, timeout=30)
        check(created.status_code == 201, "provision the project user",
              created.text)
        user_id = created.json()["id"][len("usr_"):]
        url = "%s/default/users/%s" % (self.base, user_id)
        headers = {"Authorization": "Bearer " + self.token,
                   "Content-Type": "application/json"}
        example = {"update": {
            "username": "new_username",
            "location": {"longitude": 34.05, "latitude": -118.25},
            "metadata": {"theme": "dark"}}}
        response = requests.patch(url, headers=headers, data=json.dumps(example))
        check(response.status_code == 400 and
              response.json()["code"] == "user/invalid-data",
              "002 example request: latitude -118.25 is out of range (400)",
              response.text)
        example["update"]["location"] = {"longitude": -118.25,
                                         "latitude": 34.05}
        response = requests.patch(url, headers=headers, data=json.dumps(example))
        body = response.json()
        check(response.status_code == 200, "002 example, coordinates in range",
              response.text)
        check({"id", "username", "name", "avatar", "bio", "birthdate",
               "location", "metadata", "suspensions"} <= set(body) and
              body["id"] == user_id and body["username"] == "new_username" and
              body["location"] == {"type": "Point",
                                   "coordinates": [-118.25, 34.05]} and
              body["metadata"] == {"theme": "dark"} and
              body["suspensions"] == [] and "secureMetadata" not in body,
              "002 200: the documented shape", body)
        missing = requests.patch(url, headers=headers, data="{}")
        check(missing.status_code == 400 and missing.json() ==
              {"error": "Missing required data", "code": "user/missing-data"},
              "002 400: the documented missing-data body", missing.text)
        gone = requests.patch("%s/default/users/999999" % self.base,
                              headers=headers, json={"update": {"bio": "x"}})
        check(gone.status_code == 404 and gone.json() ==
              {"error": "User not found", "code": "user/not-found"},
              "002 404: the documented body", gone.text)

    # --- seeds 003 and 004: neptun -----------------------------------------

    def neptun(self):
        grpc_call(self.tool, self.userd_address, self.token,
                  "users.v1.ProjectService/CreateProject",
                  {"project_id": NEPTUN_PROJECT})
        key = grpc_call(self.tool, self.userd_address, self.token,
                        "users.v1.ProjectService/CreateApiKey",
                        {"parent": "projects/" + NEPTUN_PROJECT,
                         "scopes": ["read", "write", "admin"]})["token"]
        created = requests.post(
            self.base + "/v1/users", headers={"Authorization": "Bearer " + key},
            json={"username": "docs_neptun", "email": "docs_n@example.com",
                  "password": "correct horse"}, timeout=30)
        check(created.status_code == 201, "provision the neptun user",
              created.text)
        user_id = int(created.json()["id"][len("usr_"):])
        login = requests.post(self.base + "/api/auth/login",
                              json={"email": "docs_n@example.com",
                                    "password": "correct horse"})
        check(login.status_code == 200, "neptun login", login.text)
        cookie = login.cookies.get("neptun-session")
        url = "%s/api/users/%d" % (self.base, user_id)

        # 003's cURL example.
        curl = subprocess.run(
            ["curl", "-s", "-i", "-X", "PATCH",
             "-H", "Content-Type: application/json",
             "-H", "Cookie: neptun-session=" + cookie,
             "-d", '{"email":"newemail@example.com"}', url],
            capture_output=True, text=True, timeout=30)
        head, _, text = curl.stdout.replace("\r\n", "\n").partition("\n\n")
        status = int(head.split()[1])
        check_neptun_200(status, json.loads(text), "newemail@example.com",
                         "003 curl")
        cookie = neptun_cookie(
            line.split(":", 1)[1].strip() for line in head.split("\n")
            if line.lower().startswith("set-cookie:"))
        check(cookie is not None, "003 curl: the session cookie is re-issued")

        # 003's Python (httpx) example, as written.
        async def update_user(user_id, email=None, password=None,
                              session_cookie=None):
            url = f"{self.base}/api/users/{user_id}"
            data = {}
            if email is not None:
                data["email"] = email
            if password is not None:
                data["password"] = password
            async with httpx.AsyncClient() as client:
                response = await client.patch(
                    url,
                    json=data,
                    headers={
                        "Content-Type": "application/json",
                        "Cookie": f"neptun-session={session_cookie}"
                    }
                )
                response.raise_for_status()
                return response

        response = asyncio.run(update_user(user_id, email="newemail@example.com",
                                           session_cookie=cookie))
        check_neptun_200(response.status_code, response.json(),
                         "newemail@example.com", "003 httpx")
        cookie = response.cookies.get("neptun-session")
        check(cookie, "003 httpx: the session cookie is re-issued")

        # 004's Python (httpx) example: cookies=, email and password.
        async def update_user_004(user_id, session_cookie, email=None,
                                  password=None):
            update_data = {}
            if email:
                update_data["email"] = email
            if password:
                update_data["password"] = password
            async with httpx.AsyncClient() as client:
                response = await client.patch(
                    f"{self.base}/api/users/{user_id}",
                    json=update_data,
                    cookies={"neptun-session": session_cookie})
                return response

        response = asyncio.run(update_user_004(
            user_id, cookie, email="newemail@example.com",
            password="newpassword"))
        check_neptun_200(response.status_code, response.json(),
                         "newemail@example.com", "004 httpx (email+password)")
        new_cookie = response.cookies.get("neptun-session")
        check(new_cookie and new_cookie != cookie,
              "004 httpx: a password change rotates the session")
        old = requests.get(url, cookies={"neptun-session": cookie})
        check(old.status_code == 401, "004: the old cookie is refused",
              old.status_code, old.text)
        cookie = new_cookie

        # 003's TypeScript fetch example, run by Node (types removed).
        script = os.path.join(self.work, "update_user.mjs")
        with open(script, "w") as f:
            f.write("""
async function updateUser(userId, data, sessionCookie) {
  const response = await fetch(
    `%s/api/users/${userId}`,
    {
      method: 'PATCH',
      headers: {
        'Content-Type': 'application/json',
        'Cookie': `neptun-session=${sessionCookie}`,
      },
      body: JSON.stringify(data),
    }
  )
  if (!response.ok) {
    throw new Error(`HTTP error! status: ${response.status}`)
  }
  return await response.json()
}
const [userId, cookie] = process.argv.slice(2)
console.log(JSON.stringify(
    await updateUser(Number(userId), {email: 'newemail@example.com'}, cookie)))
""" % self.base)
        node = subprocess.run(["node", script, str(user_id), cookie],
                              capture_output=True, text=True, timeout=60)
        check(node.returncode == 0, "003 fetch (Node) succeeds", node.stdout,
              node.stderr)
        check_neptun_200(200, json.loads(node.stdout), "newemail@example.com",
                         "003 fetch")

        # 003's documented 400.
        bad = requests.patch(url, json={"email": "not an email"},
                             cookies={"neptun-session": cookie})
        body = bad.json()
        check(bad.status_code == 400 and body["statusCode"] == 400 and
              body["statusMessage"] == "Bad Request." and
              body["message"] == "Invalid body(?email, ?password). At least "
              "one of email or password is required." and
              {"code": "invalid_string", "validation": "email",
               "message": "Invalid email", "path": ["email"]}
              in body["data"]["issues"],
              "003 400: the documented body", bad.text)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--userd", required=True)
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--tool", required=True)
    args = parser.parse_args()

    base_url = os.environ.get("USERS_TEST_DATABASE_URL")
    if not base_url:
        print("FAIL: USERS_TEST_DATABASE_URL is not set: run the tests with "
              "scripts/test", file=sys.stderr)
        return 1
    work = tempfile.mkdtemp(prefix="document-examples.")
    userd_log = os.path.join(work, "userd.log")
    gateway_log = os.path.join(work, "gateway.log")
    db = "e2e_documents_%d" % os.getpid()
    url = with_database(base_url, db)
    userd = gateway = None
    try:
        psql(base_url, "create database %s" % db)
        migrate = subprocess.run([args.userd, "migrate", "--database-url", url],
                                 capture_output=True, text=True, timeout=120)
        check(migrate.returncode == 0, "userd migrate", migrate.stderr)
        userd_address = "127.0.0.1:%d" % free_port()
        gateway_port = free_port()
        token = secrets.token_urlsafe(24)
        with open(userd_log, "w") as log:
            userd = subprocess.Popen(
                [args.userd, "--listen", userd_address, "--database-url", url,
                 "--bootstrap-token", token, "--argon2-memory-kib", "1024",
                 "--argon2-iterations", "1"],
                stdout=log, stderr=subprocess.STDOUT)
        with open(gateway_log, "w") as log:
            gateway = subprocess.Popen(
                [args.gateway, "--listen", "127.0.0.1:%d" % gateway_port,
                 "--userd-address", userd_address, "--insecure-cookies",
                 "--neptun-project", NEPTUN_PROJECT],
                stdout=log, stderr=subprocess.STDOUT)
        base = "http://127.0.0.1:%d" % gateway_port
        deadline = time.monotonic() + 60
        ready = False
        while time.monotonic() < deadline and not ready:
            for name, process, path in (("userd", userd, userd_log),
                                        ("user-gateway", gateway, gateway_log)):
                if process.poll() is not None:
                    raise Failure("%s exited:\n%s" % (name, read(path)))
            try:
                ready = requests.get(base + "/readyz",
                                     timeout=2).status_code == 200
            except requests.RequestException:
                pass
            if not ready:
                time.sleep(0.1)
        check(ready, "user-gateway is ready", read(gateway_log))

        examples = Examples(base, token, args.tool, userd_address, work)
        examples.v1()
        examples.project()
        examples.neptun()
        print("PASS")
        return 0
    except (Failure, ValueError, KeyError, httpx.HTTPError,
            requests.RequestException) as e:
        print("FAIL: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        for name, path in (("userd", userd_log), ("user-gateway", gateway_log)):
            if os.path.exists(path):
                print("--- %s log ---\n%s" % (name, read(path)),
                      file=sys.stderr)
        return 1
    finally:
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
