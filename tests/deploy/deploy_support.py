"""What the deploy tests share: rendering the kustomize overlays, reading the
binaries' flags from their sources, parsing the Dockerfiles, and putting
together the command line a container runs (image ENTRYPOINT/CMD plus the
manifest's command/args, the way Kubernetes does).

Needs Debian's python3-yaml (PyYAML) in /usr/bin/python3.
"""

import json
import os
import re
import shlex
import subprocess

import yaml

# What is rendered: the base and every overlay (directories under deploy/k8s).
RENDERED = ["base", "overlays/dev", "overlays/prod"]
OVERLAYS = ["overlays/dev", "overlays/prod"]
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "Job", "DaemonSet", "CronJob")

# The two images and where their flags are declared.
USERD = "userd"
GATEWAY = "user-gateway"
FLAG_SOURCES = {
    USERD: ["services/userd/main.cc"],
    GATEWAY: ["gateway/gateway_config.cc"],
}
DOCKERFILES = {
    USERD: "deploy/docker/userd.Dockerfile",
    GATEWAY: "deploy/docker/user-gateway.Dockerfile",
}
# Positional commands userd accepts (services/userd/main.cc).
POSITIONAL = {USERD: {"migrate", "serve"}, GATEWAY: set()}


class Failure(AssertionError):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


# --- rendering ---------------------------------------------------------------

def render(kubectl, source_dir, name):
    """The documents `kubectl kustomize deploy/k8s/<name>` prints."""
    path = os.path.join(source_dir, "deploy", "k8s", name)
    proc = subprocess.run([kubectl, "kustomize", path], capture_output=True,
                          text=True, timeout=120)
    if proc.returncode != 0:
        raise Failure("kubectl kustomize %s failed (%d):\n%s"
                      % (path, proc.returncode, proc.stderr))
    docs = [d for d in yaml.safe_load_all(proc.stdout) if d]
    check(docs, "kubectl kustomize %s rendered nothing" % path)
    return docs


def by_kind(docs, kind):
    return [d for d in docs if d.get("kind") == kind]


def find(docs, kind, name):
    for d in docs:
        if d.get("kind") == kind and d["metadata"]["name"] == name:
            return d
    return None


def pod_template(workload):
    spec = workload["spec"]
    if workload["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]


def workloads(docs):
    """(workload, pod template) for every object that runs pods."""
    return [(d, pod_template(d)) for d in docs if d["kind"] in WORKLOAD_KINDS]


def all_containers(pod_spec):
    return (pod_spec.get("initContainers") or []) + pod_spec["containers"]


def image_kind(image):
    """USERD or GATEWAY for our images (by repository basename), else None."""
    repository = image.rsplit("@", 1)[0]
    last = repository.rsplit("/", 1)[-1]
    name = last.split(":", 1)[0]
    return name if name in (USERD, GATEWAY) else None


def image_tag(image):
    if "@" in image:
        return image.rsplit("@", 1)[1]
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else ""


# --- label selectors ---------------------------------------------------------

def selector_matches(selector, labels):
    """Kubernetes label selector semantics (an empty selector matches all)."""
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


# --- flags of the binaries ---------------------------------------------------

_FLAG_RE = re.compile(
    r'Add(String|Int|Bool)\(\s*"([a-z0-9-]+)"\s*,\s*"([A-Z0-9_]+)"\s*,\s*'
    r'([^,]+?)\s*,', re.S)


class Flag:
    def __init__(self, kind, name, env, default):
        self.kind, self.name, self.env, self.default = kind, name, env, default


def read_flags(source_dir, binary):
    """name -> Flag, from the Add*(name, ENV, default, help) calls."""
    flags = {}
    for rel in FLAG_SOURCES[binary]:
        with open(os.path.join(source_dir, rel)) as f:
            text = f.read()
        for kind, name, env, default in _FLAG_RE.findall(text):
            flags[name] = Flag(kind, name, env, default.strip())
    check(flags, "no flags found in %s" % FLAG_SOURCES[binary])
    return flags


def default_listen(source_dir, binary, flag_name):
    """The default host:port of a listen-address flag, as a string: the
    literal in the Add* call, or (for the gateway) the GatewayConfig member
    the call names."""
    flag = read_flags(source_dir, binary).get(flag_name)
    check(flag is not None, "%s declares no --%s" % (binary, flag_name))
    literal = re.fullmatch(r'"([^"]*)"', flag.default)
    if literal:
        return literal.group(1)
    member = re.fullmatch(r"defaults\.(\w+)", flag.default)
    check(member, "cannot read the default of --%s: %s" % (flag_name,
                                                            flag.default))
    with open(os.path.join(source_dir, "gateway/gateway_config.h")) as f:
        header = f.read()
    m = re.search(r'std::string\s+%s\s*=\s*"([^"]*)"' % member.group(1),
                  header)
    check(m, "no default for GatewayConfig::%s" % member.group(1))
    return m.group(1)


def split_host_port(value):
    host, _, port = value.rpartition(":")
    check(host and port.isdigit(), "not host:port: %r" % value)
    return host.strip("[]"), int(port)


def parse_args(args, flags, positional):
    """(flag name -> value, positional list) of a container's args; every
    flag must be one the binary declares, as --name=value."""
    values, rest = {}, []
    for arg in args:
        if arg.startswith("--"):
            name, eq, value = arg[2:].partition("=")
            check(eq, "write flags as --name=value in manifests: %r" % arg)
            check(name in flags, "unknown flag %r (not declared in %s)"
                  % (arg, ", ".join(sorted(flags))))
            values[name] = value
        else:
            check(arg in positional, "unknown command %r" % arg)
            rest.append(arg)
    return values, rest


# --- Dockerfiles -------------------------------------------------------------

class Stage:
    def __init__(self, base, name):
        self.base, self.name = base, name
        self.instructions = []  # (KEYWORD, text)

    def all(self, keyword):
        return [text for kw, text in self.instructions if kw == keyword]

    def last(self, keyword):
        found = self.all(keyword)
        return found[-1] if found else None


def parse_dockerfile(path):
    """The stages of a Dockerfile: continuation lines joined, comments and
    parser directives dropped."""
    with open(path) as f:
        lines = f.read().splitlines()
    logical, current = [], ""
    for line in lines:
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        logical.append(current + stripped)
        current = ""
    check(not current, "%s ends inside a continued line" % path)
    stages = []
    for line in logical:
        keyword, _, text = line.partition(" ")
        keyword = keyword.upper()
        text = text.strip()
        if keyword == "FROM":
            parts = text.split()
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" \
                else None
            stages.append(Stage(parts[0], name))
        else:
            check(stages, "%s: %s before FROM" % (path, keyword))
            stages[-1].instructions.append((keyword, text))
    check(stages, "%s has no FROM" % path)
    return stages


def exec_form(text, what):
    """An ENTRYPOINT/CMD in exec (JSON) form; the shell form needs a shell
    the runtime image must not depend on."""
    check(text is not None, "no %s" % what)
    try:
        value = json.loads(text)
    except ValueError:
        raise Failure("%s is not in exec form (JSON array): %s" % (what, text))
    check(isinstance(value, list) and all(isinstance(v, str) for v in value),
          "%s is not a JSON array of strings: %s" % (what, text))
    return value


def image_argv(stage, container):
    """The argv Kubernetes runs: command replaces ENTRYPOINT (and drops CMD),
    args replace CMD."""
    entrypoint = exec_form(stage.last("ENTRYPOINT"), "ENTRYPOINT")
    cmd = exec_form(stage.last("CMD"), "CMD") if stage.last("CMD") else []
    if "command" in container:
        return list(container["command"]) + list(container.get("args") or [])
    if "args" in container:
        return entrypoint + list(container["args"])
    return entrypoint + cmd


def shell_words(text):
    return shlex.split(text)


# --- environment of a container ----------------------------------------------

def container_env(docs, container):
    """name -> value|('secret', name, key) of a container: envFrom first,
    then env (which wins), as the kubelet does."""
    env = {}
    for source in container.get("envFrom") or []:
        if "configMapRef" in source:
            cm = find(docs, "ConfigMap", source["configMapRef"]["name"])
            check(cm is not None, "envFrom names a missing ConfigMap %s"
                  % source["configMapRef"]["name"])
            env.update({k: str(v) for k, v in (cm.get("data") or {}).items()})
        elif "secretRef" in source:
            name = source["secretRef"]["name"]
            secret = find(docs, "Secret", name)
            keys = secret_keys(secret) if secret else []
            env.update({k: ("secret", name, k) for k in keys})
    for item in container.get("env") or []:
        if "value" in item:
            env[item["name"]] = str(item["value"])
        elif "valueFrom" in item and "secretKeyRef" in item["valueFrom"]:
            ref = item["valueFrom"]["secretKeyRef"]
            env[item["name"]] = ("secret", ref["name"], ref["key"])
        elif "valueFrom" in item and "configMapKeyRef" in item["valueFrom"]:
            ref = item["valueFrom"]["configMapKeyRef"]
            cm = find(docs, "ConfigMap", ref["name"])
            check(cm is not None and ref["key"] in (cm.get("data") or {}),
                  "configMapKeyRef to a missing key %s/%s"
                  % (ref["name"], ref["key"]))
            env[item["name"]] = str(cm["data"][ref["key"]])
        else:
            raise Failure("env %s: unsupported source %r" % (item["name"], item))
    return env


def secret_keys(secret):
    return sorted(set((secret.get("data") or {}).keys())
                  | set((secret.get("stringData") or {}).keys()))


# --- quantities --------------------------------------------------------------

_SUFFIXES = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40,
             "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "m": 1e-3, "": 1}


def quantity(value):
    m = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(value))
    check(m and m.group(2) in _SUFFIXES, "not a quantity: %r" % value)
    return float(m.group(1)) * _SUFFIXES[m.group(2)]


def container_port(container, port):
    """The containerPort a probe/Service port (number or name) refers to."""
    for p in container.get("ports") or []:
        if port == p.get("name") or port == p["containerPort"]:
            return p["containerPort"]
    raise Failure("container %s has no port %r" % (container["name"], port))
