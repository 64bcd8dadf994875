#!/usr/bin/python3
"""Static checks of the Kubernetes manifests: renders deploy/k8s/base and
every overlay with `kubectl kustomize` and checks what must hold for the
pods to start, be probed, be scraped, drain and stay isolated.

  manifests_test.py --source-dir REPO --kubectl KUBECTL

The flags, their environment names and default ports are read from the
binaries' sources (services/userd/main.cc, gateway/gateway_config.cc), so a
renamed flag or variable fails here.
"""

import argparse
import os
import sys
import unittest

import yaml

import deploy_support as ds
from deploy_support import GATEWAY, USERD, Failure, check

ARGS = None
RENDERS = {}

# Which flags of the binaries are secrets (their env names are the Secret's
# keys), and the Secret that holds them.
SECRET_FLAGS = ["database-url", "bootstrap-token"]
SECRET_NAME = "userd-secrets"
# Argon2id memory per hashing worker and the rest of userd (DESIGN.md,
# measured on the 2-core development machine).
ARGON2_MIB_PER_WORKER = 19
USERD_BASELINE_MIB = 64
MONITORING_NAMESPACE_LABEL = {"monitoring": "enabled"}
# gRPC's DNS resolver with the default authority: every address of the name.
DNS_TARGET = "dns:///"
# The gateway reaches userd through this headless Service (one DNS record per
# ready pod), the fully qualified name in the overlay's namespace.
USERD_HEADLESS = "userd-headless"
CLUSTER_DOMAIN = "svc.cluster.local"
# libpq's own environment variables that the manifests may set on userd's
# containers: userd hands DATABASE_URL to libpq unchanged, and libpq takes
# from these whatever the URL leaves out.
LIBPQ_ENV = {"PGTARGETSESSIONATTRS", "PGSSLMODE", "PGSSLROOTCERT"}
# CloudNativePG: the Cluster kind, the Secret keys and Service names the
# operator derives from a Cluster's name, and the label on its pods.
CNPG_API = "postgresql.cnpg.io/v1"
CNPG_APP_SECRET = "%s-app"      # keys uri, fqdn-uri: URLs to <cluster>-rw
CNPG_APP_URI_KEYS = ("uri", "fqdn-uri")
CNPG_CA_SECRET = "%s-ca"        # ca.crt: the CA of the server certificates
CNPG_RW_SERVICE = "%s-rw"       # always the primary
CNPG_CLUSTER_LABEL = "cnpg.io/cluster"


def docs_of(name):
    if name not in RENDERS:
        RENDERS[name] = ds.render(ARGS.kubectl, ARGS.source_dir, name)
    return RENDERS[name]


def our_containers(docs):
    """(workload, pod spec, container, USERD|GATEWAY) for our images."""
    found = []
    for workload, template in ds.workloads(docs):
        for c in ds.all_containers(template["spec"]):
            kind = ds.image_kind(c["image"])
            if kind:
                found.append((workload, template["spec"], c, kind))
    return found


def deployment_container(docs, name):
    deployment = ds.find(docs, "Deployment", name)
    check(deployment is not None, "no Deployment %s" % name)
    containers = deployment["spec"]["template"]["spec"]["containers"]
    check(len(containers) == 1, "Deployment %s: one container expected" % name)
    return deployment, containers[0]


def flag_values(container, binary):
    flags = ds.read_flags(ARGS.source_dir, binary)
    values, _ = ds.parse_args(container.get("args") or [], flags,
                              ds.POSITIONAL[binary])
    return values


def gateway_userd_target(docs):
    """(host, port) the gateway dials: its --userd-address, else
    USERD_ADDRESS, a gRPC target dns:///host:port (the DNS resolver, whose
    every address round_robin uses)."""
    _, gateway = deployment_container(docs, GATEWAY)
    env = ds.container_env(docs, gateway)
    address = flag_values(gateway, GATEWAY).get(
        "userd-address", env.get("USERD_ADDRESS"))
    check(address is not None, "gateway has no userd address")
    check(address.startswith(DNS_TARGET),
          "userd address %r is not a %shost:port target" % (address,
                                                            DNS_TARGET))
    return ds.split_host_port(address[len(DNS_TARGET):])


def cnpg_clusters(docs):
    return [d for d in ds.by_kind(docs, "Cluster")
            if d["apiVersion"] == CNPG_API]


def database_url_source(docs):
    """Where userd's DATABASE_URL must come from in a render: the operator's
    app Secret when the render has a CloudNativePG Cluster, else the key of
    the same name in userd-secrets."""
    clusters = cnpg_clusters(docs)
    if clusters:
        return ("secret", CNPG_APP_SECRET % clusters[0]["metadata"]["name"],
                CNPG_APP_URI_KEYS)
    return ("secret", SECRET_NAME, ("DATABASE_URL",))


def tls_value(docs, container, binary, flag_name):
    """The value a container gives a flag: its args, else its environment."""
    flag = ds.read_flags(ARGS.source_dir, binary)[flag_name]
    return flag_values(container, binary).get(
        flag_name, ds.container_env(docs, container).get(flag.env))


def mounted_secret_file(docs, deployment, container, path):
    """(Secret name, key) of the file at `path` in a container: it must lie
    in a read-only mount of a Secret volume."""
    pod = deployment["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod.get("volumes") or []}
    for mount in container.get("volumeMounts") or []:
        prefix = mount["mountPath"].rstrip("/") + "/"
        if not path.startswith(prefix):
            continue
        check(mount.get("readOnly") is True,
              "%s is not mounted read-only" % mount["mountPath"])
        check("subPath" not in mount,
              "%s: a subPath mount never sees a renewed Secret"
              % mount["mountPath"])
        volume = volumes.get(mount["name"])
        check(volume is not None and "secret" in volume,
              "%s is not a Secret volume" % mount["mountPath"])
        key = path[len(prefix):]
        items = volume["secret"].get("items")
        if items:
            by_path = {i["path"]: i["key"] for i in items}
            check(key in by_path, "%s: no item %s" % (mount["name"], key))
            key = by_path[key]
        return volume["secret"]["secretName"], key
    raise Failure("%s is in no volume mount" % path)


class RenderTest(unittest.TestCase):
    def test_every_overlay_renders_with_namespace_and_pod_security(self):
        for name in ds.RENDERED:
            with self.subTest(render=name):
                docs = docs_of(name)
                kinds = {d["kind"] for d in docs}
                for kind in ("Deployment", "Service", "ConfigMap", "Job",
                             "PodDisruptionBudget", "HorizontalPodAutoscaler",
                             "NetworkPolicy", "Secret"):
                    self.assertIn(kind, kinds)
        for name in ds.OVERLAYS:
            with self.subTest(overlay=name):
                docs = docs_of(name)
                namespaces = ds.by_kind(docs, "Namespace")
                self.assertEqual(len(namespaces), 1)
                ns = namespaces[0]["metadata"]
                self.assertEqual(
                    ns["labels"].get("pod-security.kubernetes.io/enforce"),
                    "restricted")
                for d in docs:
                    if d["kind"] != "Namespace":
                        self.assertEqual(d["metadata"].get("namespace"),
                                         ns["name"], d["metadata"]["name"])


class ContainerTest(unittest.TestCase):
    def test_every_container_has_resources_and_a_locked_down_context(self):
        for name in ds.RENDERED:
            for workload, template in ds.workloads(docs_of(name)):
                pod = template["spec"]
                pod_sc = pod.get("securityContext") or {}
                self.assertIs(pod.get("automountServiceAccountToken"), False,
                              workload["metadata"]["name"])
                for c in ds.all_containers(pod):
                    where = "%s %s/%s" % (name, workload["metadata"]["name"],
                                          c["name"])
                    with self.subTest(container=where):
                        res = c.get("resources") or {}
                        for bound in ("requests", "limits"):
                            for resource in ("cpu", "memory"):
                                self.assertIn(resource, res.get(bound) or {},
                                              "%s.%s" % (bound, resource))
                        for resource in ("cpu", "memory"):
                            self.assertLessEqual(
                                ds.quantity(res["requests"][resource]),
                                ds.quantity(res["limits"][resource]), resource)
                        sc = dict(pod_sc)
                        sc.update(c.get("securityContext") or {})
                        self.assertIs(sc.get("runAsNonRoot"), True)
                        self.assertIsInstance(sc.get("runAsUser"), int)
                        self.assertNotEqual(sc.get("runAsUser"), 0)
                        self.assertIs(c.get("securityContext", {}).get(
                            "readOnlyRootFilesystem"), True)
                        self.assertIs(c.get("securityContext", {}).get(
                            "allowPrivilegeEscalation"), False)
                        self.assertIn("ALL", (c.get("securityContext", {})
                                              .get("capabilities", {})
                                              .get("drop") or []))
                        self.assertNotIn("add", c.get("securityContext", {})
                                         .get("capabilities", {}))
                        self.assertIs(sc.get("privileged", False), False)
                        self.assertEqual((sc.get("seccompProfile") or {})
                                         .get("type"), "RuntimeDefault")
                        if ds.image_kind(c["image"]):
                            # The images' numeric USER (deploy/docker).
                            self.assertEqual(sc.get("runAsUser"), 65532)
                            # No shell or tools in the image: no exec hooks
                            # or probes.
                            for key in ("livenessProbe", "readinessProbe",
                                        "startupProbe"):
                                self.assertNotIn("exec", c.get(key) or {})
                            pre_stop = (c.get("lifecycle") or {}).get(
                                "preStop") or {}
                            self.assertNotIn("exec", pre_stop)

    def test_args_are_declared_flags_and_env_names_are_read(self):
        for name in ds.RENDERED:
            docs = docs_of(name)
            for workload, pod, c, binary in our_containers(docs):
                where = "%s %s/%s" % (name, workload["metadata"]["name"],
                                      c["name"])
                with self.subTest(container=where):
                    flags = ds.read_flags(ARGS.source_dir, binary)
                    ds.parse_args(c.get("args") or [], flags,
                                  ds.POSITIONAL[binary])
                    read = {f.env for f in flags.values()}
                    if binary == USERD:
                        read |= LIBPQ_ENV
                    env = ds.container_env(docs, c)
                    unread = sorted(set(env) - read)
                    self.assertEqual(unread, [],
                                     "variables %s reads none of" % binary)

    def test_the_gateway_finds_userd_through_its_headless_service(self):
        for name in ds.RENDERED:
            with self.subTest(render=name):
                docs = docs_of(name)
                _, userd = deployment_container(docs, USERD)
                host, port = gateway_userd_target(docs)
                service_name, _, domain = host.partition(".")
                self.assertEqual(service_name, USERD_HEADLESS)
                service = ds.find(docs, "Service", service_name)
                self.assertIsNotNone(service, "no Service %s" % host)
                # Headless: the name resolves to every ready pod, not to one
                # virtual IP that would pin the HTTP/2 connection to a pod.
                self.assertEqual(service["spec"].get("clusterIP"), "None")
                self.assertFalse(service["spec"].get(
                    "publishNotReadyAddresses", False))
                if name in ds.OVERLAYS:
                    namespace = ds.by_kind(docs, "Namespace")[0][
                        "metadata"]["name"]
                    self.assertEqual(domain, "%s.%s" % (namespace,
                                                        CLUSTER_DOMAIN))
                # The ClusterIP Service userd stays for other clients.
                self.assertIsNotNone(ds.find(docs, "Service", USERD))
                userd_pod = ds.find(docs, "Deployment", USERD)["spec"][
                    "template"]
                self.assertTrue(ds.selector_matches(
                    {"matchLabels": service["spec"]["selector"]},
                    userd_pod["metadata"]["labels"]))
                ports = {p["port"]: p for p in service["spec"]["ports"]}
                self.assertIn(port, ports)
                _, listen_port = ds.split_host_port(
                    flag_values(userd, USERD)["listen"])
                self.assertEqual(
                    ds.container_port(userd, ports[port]["targetPort"]),
                    listen_port)

    def test_client_addresses_are_trusted_and_rate_limits_are_on(self):
        # Behind an Ingress the TCP peer is the controller: without trusted
        # proxies every client would share one address, one rate-limit bucket
        # and one login-throttling counter.
        for name in ds.RENDERED:
            with self.subTest(render=name):
                docs = docs_of(name)
                _, gateway = deployment_container(docs, GATEWAY)
                _, userd = deployment_container(docs, USERD)
                gateway_env = ds.container_env(docs, gateway)
                userd_env = ds.container_env(docs, userd)
                self.assertTrue(gateway_env.get("GATEWAY_TRUSTED_PROXY_CIDRS"))
                self.assertTrue(userd_env.get("USERD_TRUSTED_PROXY_CIDRS"))
                for limit in ("GATEWAY_RATE_LIMIT_CLIENT_RPS",
                              "GATEWAY_RATE_LIMIT_PRINCIPAL_RPS"):
                    self.assertGreater(int(gateway_env.get(limit, "0")), 0,
                                       limit)


class UserdTest(unittest.TestCase):
    def test_ports_and_probes_match_the_flags(self):
        default_port = ds.split_host_port(
            ds.default_listen(ARGS.source_dir, USERD, "listen"))[1]
        # The admin server may be off by default (empty): then only the
        # manifests' value counts.
        admin_default = ds.default_listen(ARGS.source_dir, USERD,
                                          "admin-listen")
        default_admin = ds.split_host_port(admin_default)[1] \
            if admin_default else None
        for name in ds.RENDERED:
            with self.subTest(render=name):
                docs = docs_of(name)
                deployment, c = deployment_container(docs, USERD)
                values = flag_values(c, USERD)
                host, grpc_port = ds.split_host_port(values["listen"])
                admin_host, admin_port = ds.split_host_port(
                    values["admin-listen"])
                # Reachable from the kubelet and other pods, on the ports
                # the binary uses by default.
                self.assertIn(host, ("0.0.0.0", "::"))
                self.assertIn(admin_host, ("0.0.0.0", "::"))
                self.assertEqual(grpc_port, default_port)
                if default_admin is not None:
                    self.assertEqual(admin_port, default_admin)
                self.assertEqual(
                    sorted(p["containerPort"] for p in c["ports"]),
                    sorted([grpc_port, admin_port]))
                # Readiness: gRPC health of the whole server (NOT_SERVING
                # while the database is down). The kubelet's gRPC probe speaks
                # plaintext only: with TLS on, the admin port's /readyz, which
                # reports the same state.
                readiness = c["readinessProbe"]
                if tls_value(docs, c, USERD, "tls-cert"):
                    self.assertNotIn("grpc", readiness)
                    self.assertEqual(readiness["httpGet"]["path"], "/readyz")
                    self.assertEqual(
                        ds.container_port(c, readiness["httpGet"]["port"]),
                        admin_port)
                else:
                    self.assertIn("grpc", readiness)
                    self.assertEqual(
                        ds.container_port(c, readiness["grpc"]["port"]),
                        grpc_port)
                    self.assertEqual(readiness["grpc"].get("service", ""), "")
                # Liveness (and startup) on the admin port, which does not
                # look at the database.
                for key in ("livenessProbe", "startupProbe"):
                    probe = c[key]
                    self.assertNotIn("grpc", probe, key)
                    self.assertEqual(probe["httpGet"]["path"], "/healthz")
                    self.assertEqual(
                        ds.container_port(c, probe["httpGet"]["port"]),
                        admin_port, key)
                # Prometheus scrapes /metrics on the admin port.
                annotations = deployment["spec"]["template"]["metadata"][
                    "annotations"]
                self.assertEqual(annotations.get("prometheus.io/scrape"), "true")
                self.assertEqual(int(annotations["prometheus.io/port"]),
                                 admin_port)
                self.assertEqual(annotations.get("prometheus.io/path"),
                                 "/metrics")
                service = ds.find(docs, "Service", USERD)
                targets = sorted(ds.container_port(c, p["targetPort"])
                                 for p in service["spec"]["ports"])
                self.assertEqual(targets, sorted([grpc_port, admin_port]))

    def test_drain_fits_the_grace_period(self):
        flags = ds.read_flags(ARGS.source_dir, USERD)
        for name in ds.RENDERED:
            with self.subTest(render=name):
                docs = docs_of(name)
                deployment, c = deployment_container(docs, USERD)
                pod = deployment["spec"]["template"]["spec"]
                env = ds.container_env(docs, c)
                grace_flag = flags["shutdown-grace-seconds"]
                drain = int(flag_values(c, USERD).get(
                    "shutdown-grace-seconds",
                    env.get(grace_flag.env, grace_flag.default)))
                pre_stop = c["lifecycle"]["preStop"]
                # The native sleep action: the image has no shell.
                self.assertEqual(list(pre_stop), ["sleep"])
                sleep = pre_stop["sleep"]["seconds"]
                self.assertGreater(sleep, 0)
                self.assertGreaterEqual(pod["terminationGracePeriodSeconds"],
                                        sleep + drain + 1)

    def test_memory_covers_the_argon2_workers(self):
        flags = ds.read_flags(ARGS.source_dir, USERD)
        for name in ds.RENDERED:
            with self.subTest(render=name):
                docs = docs_of(name)
                _, c = deployment_container(docs, USERD)
                env = ds.container_env(docs, c)
                workers = int(env.get(flags["hash-workers"].env, "0"))
                # 0 means one per core of the node, which the limit cannot
                # know: the manifests must set it.
                self.assertGreater(workers, 0, "set USERD_HASH_WORKERS")
                memory_kib = int(env.get(flags["argon2-memory-kib"].env,
                                         flags["argon2-memory-kib"].default))
                need = (USERD_BASELINE_MIB * 2**20
                        + workers * memory_kib * 1024)
                limit = ds.quantity(c["resources"]["limits"]["memory"])
                self.assertGreaterEqual(limit, need)
                self.assertGreaterEqual(
                    ds.quantity(c["resources"]["requests"]["memory"]),
                    USERD_BASELINE_MIB * 2**20)

    def test_secret_keys_are_the_ones_userd_reads(self):
        flags = ds.read_flags(ARGS.source_dir, USERD)
        expected = sorted(flags[f].env for f in SECRET_FLAGS)
        # The names DESIGN.md and the README promise.
        self.assertEqual(expected, ["DATABASE_URL", "USERD_BOOTSTRAP_TOKEN"])
        for name in ds.RENDERED:
            with self.subTest(render=name):
                docs = docs_of(name)
                secret = ds.find(docs, "Secret", SECRET_NAME)
                self.assertIsNotNone(secret)
                values = dict(secret.get("stringData") or {})
                values.update(secret.get("data") or {})
                if name == "overlays/prod":
                    # Values are created out of band, never applied from git.
                    self.assertEqual(values, {})
                else:
                    self.assertEqual(sorted(values), expected)
                if name == "base":
                    self.assertTrue(all("CHANGE-ME" in v
                                        for v in values.values()))
                if name == "overlays/dev":
                    self.assertFalse(any("CHANGE-ME" in v
                                         for v in values.values()))
                # The Deployment gets every key, the Job the database URL;
                # each variable is named after its key.
                _, c = deployment_container(docs, USERD)
                refs = {k: v for k, v in ds.container_env(docs, c).items()
                        if isinstance(v, tuple)}
                self.assertEqual(sorted(refs), expected)
                # DATABASE_URL from the CloudNativePG operator's Secret where
                # the render has a Cluster (prod), else like the others.
                kind, database_secret, keys = database_url_source(docs)
                for workload, pod, c, binary in our_containers(docs):
                    for var, value in ds.container_env(docs, c).items():
                        if not isinstance(value, tuple):
                            continue
                        if var == "DATABASE_URL":
                            self.assertEqual(value[:2],
                                             (kind, database_secret))
                            self.assertIn(value[2], keys)
                        else:
                            self.assertEqual(value, ("secret", SECRET_NAME,
                                                     var))
                # No secret in a ConfigMap.
                for cm in ds.by_kind(docs, "ConfigMap"):
                    self.assertFalse(set(cm.get("data") or {}) & set(expected),
                                     cm["metadata"]["name"])

    def test_migration_job_runs_migrate_with_the_serving_image(self):
        for name in ds.RENDERED:
            with self.subTest(render=name):
                docs = docs_of(name)
                jobs = ds.by_kind(docs, "Job")
                self.assertEqual(len(jobs), 1)
                job = jobs[0]
                pod = job["spec"]["template"]["spec"]
                self.assertIn(pod["restartPolicy"], ("Never", "OnFailure"))
                self.assertIn("backoffLimit", job["spec"])
                self.assertIn("activeDeadlineSeconds", job["spec"])
                (c,) = pod["containers"]
                self.assertEqual(ds.image_kind(c["image"]), USERD)
                _, userd = deployment_container(docs, USERD)
                self.assertEqual(c["image"], userd["image"])
                self.assertNotIn("command", c)  # ENTRYPOINT stays userd
                _, positional = ds.parse_args(c["args"],
                                              ds.read_flags(ARGS.source_dir,
                                                            USERD),
                                              ds.POSITIONAL[USERD])
                self.assertEqual(positional, ["migrate"])


class GatewayTest(unittest.TestCase):
    def test_ports_and_probes_match_the_flags(self):
        default_port = ds.split_host_port(
            ds.default_listen(ARGS.source_dir, GATEWAY, "listen"))[1]
        # The admin listener is off by default: the manifests turn it on.
        self.assertEqual(
            ds.default_listen(ARGS.source_dir, GATEWAY, "admin-listen"), "")
        for name in ds.RENDERED:
            with self.subTest(render=name):
                docs = docs_of(name)
                deployment, c = deployment_container(docs, GATEWAY)
                values = flag_values(c, GATEWAY)
                host, port = ds.split_host_port(values["listen"])
                self.assertIn(host, ("0.0.0.0", "::"))
                self.assertEqual(port, default_port)
                self.assertIn("admin-listen", values,
                              "the gateway serves no metrics without it")
                admin_host, admin_port = ds.split_host_port(
                    values["admin-listen"])
                self.assertIn(admin_host, ("0.0.0.0", "::"))
                self.assertNotEqual(admin_port, port)
                self.assertEqual(
                    sorted(p["containerPort"] for p in c["ports"]),
                    sorted([port, admin_port]))
                # The probes stay on the public port, whose /readyz asks
                # userd's health service.
                for key, path in (("livenessProbe", "/healthz"),
                                  ("readinessProbe", "/readyz")):
                    probe = c[key]["httpGet"]
                    self.assertEqual(probe["path"], path)
                    self.assertEqual(ds.container_port(c, probe["port"]), port)
                # Prometheus scrapes /metrics on the admin port, the only
                # place it is served.
                for annotated in (deployment["spec"]["template"],
                                  ds.find(docs, "Service", GATEWAY)):
                    annotations = annotated["metadata"]["annotations"]
                    self.assertEqual(annotations.get("prometheus.io/scrape"),
                                     "true")
                    self.assertEqual(int(annotations["prometheus.io/port"]),
                                     admin_port)
                    self.assertEqual(annotations.get("prometheus.io/path"),
                                     "/metrics")
                service = ds.find(docs, "Service", GATEWAY)
                self.assertEqual(sorted(ds.container_port(c, p["targetPort"])
                                        for p in service["spec"]["ports"]),
                                 sorted([port, admin_port]))
                pod = deployment["spec"]["template"]["spec"]
                pre_stop = c["lifecycle"]["preStop"]
                self.assertEqual(list(pre_stop), ["sleep"])
                env = ds.container_env(docs, c)
                rpc_timeout_s = int(env.get("GATEWAY_RPC_TIMEOUT_MS",
                                            "5000")) / 1000
                self.assertGreaterEqual(
                    pod["terminationGracePeriodSeconds"],
                    pre_stop["sleep"]["seconds"] + rpc_timeout_s + 1)


class TlsTest(unittest.TestCase):
    """Production turns mutual TLS on between the tiers; the files come from
    kubernetes.io/tls Secrets (tls.crt, tls.key, ca.crt) that cert-manager
    fills (deploy/k8s/overlays/prod/tls-certificates.yaml)."""

    # flag -> the kubernetes.io/tls key its file must be.
    USERD_FILES = {"tls-cert": "tls.crt", "tls-key": "tls.key",
                   "tls-client-ca": "ca.crt"}
    GATEWAY_FILES = {"userd-tls-ca": "ca.crt", "userd-tls-cert": "tls.crt",
                     "userd-tls-key": "tls.key"}
    CERTIFICATES = "deploy/k8s/overlays/prod/tls-certificates.yaml"

    def tls_secrets(self, docs):
        """Deployment name -> the Secret its TLS files come from, checking
        that each flag's file is the right key of a mounted Secret."""
        found = {}
        for binary, files in ((USERD, self.USERD_FILES),
                              (GATEWAY, self.GATEWAY_FILES)):
            deployment, c = deployment_container(docs, binary)
            secrets = set()
            for flag_name, key in files.items():
                path = tls_value(docs, c, binary, flag_name)
                if not path:
                    continue
                secret, got = mounted_secret_file(docs, deployment, c, path)
                self.assertEqual(got, key, "%s --%s" % (binary, flag_name))
                secrets.add(secret)
            self.assertLessEqual(len(secrets), 1, binary)
            if secrets:
                found[binary] = secrets.pop()
        return found

    def test_prod_turns_mutual_tls_on_for_both_tiers(self):
        docs = docs_of("overlays/prod")
        for binary, files in ((USERD, self.USERD_FILES),
                              (GATEWAY, self.GATEWAY_FILES)):
            _, c = deployment_container(docs, binary)
            for flag_name in files:
                self.assertTrue(tls_value(docs, c, binary, flag_name),
                                "%s --%s" % (binary, flag_name))
        secrets = self.tls_secrets(docs)
        self.assertEqual(sorted(secrets), sorted([USERD, GATEWAY]))
        # Each tier has a key of its own: the gateway cannot pose as userd.
        self.assertNotEqual(secrets[USERD], secrets[GATEWAY])
        # The overlay never carries the keys themselves.
        for secret in secrets.values():
            self.assertIsNone(ds.find(docs, "Secret", secret), secret)

    def test_tls_files_always_come_from_mounted_secrets(self):
        for name in ds.RENDERED:
            with self.subTest(render=name):
                self.tls_secrets(docs_of(name))

    def test_cert_manager_fills_the_mounted_secrets(self):
        with open(os.path.join(ARGS.source_dir, self.CERTIFICATES)) as f:
            manifests = [d for d in yaml.safe_load_all(f) if d]
        docs = docs_of("overlays/prod")
        namespace = ds.by_kind(docs, "Namespace")[0]["metadata"]["name"]
        for d in manifests:
            self.assertEqual(d["apiVersion"], "cert-manager.io/v1")
            self.assertEqual(d["metadata"]["namespace"], namespace)
        certificates = {c["spec"]["secretName"]: c for c in manifests
                        if c["kind"] == "Certificate"}
        secrets = self.tls_secrets(docs)
        userd_cert = certificates.get(secrets[USERD])
        gateway_cert = certificates.get(secrets[GATEWAY])
        self.assertIsNotNone(userd_cert, secrets[USERD])
        self.assertIsNotNone(gateway_cert, secrets[GATEWAY])
        self.assertIn("server auth", userd_cert["spec"]["usages"])
        self.assertIn("client auth", gateway_cert["spec"]["usages"])
        # One CA issues both, so each Secret's ca.crt verifies the other
        # side; the issuer exists here.
        self.assertEqual(userd_cert["spec"]["issuerRef"],
                         gateway_cert["spec"]["issuerRef"])
        issuer = userd_cert["spec"]["issuerRef"]
        self.assertTrue(any(d["kind"] == issuer.get("kind", "Issuer") and
                            d["metadata"]["name"] == issuer["name"]
                            for d in manifests), issuer)
        # userd's certificate names what the gateway dials.
        _, gateway = deployment_container(docs, GATEWAY)
        host, _ = gateway_userd_target(docs)
        host = tls_value(docs, gateway, GATEWAY,
                         "userd-tls-server-name") or host
        self.assertIn(host, userd_cert["spec"]["dnsNames"])


class ImagesTest(unittest.TestCase):
    def test_images_are_pinned_and_consistent(self):
        for name in ds.OVERLAYS:
            with self.subTest(overlay=name):
                docs = docs_of(name)
                images = {}
                for workload, pod, c, binary in our_containers(docs):
                    images.setdefault(binary, set()).add(c["image"])
                self.assertEqual(sorted(images), sorted([USERD, GATEWAY]))
                for binary, found in images.items():
                    self.assertEqual(len(found), 1, found)
                    tag = ds.image_tag(next(iter(found)))
                    self.assertNotIn(tag, ("", "latest"))
                    if name == "overlays/prod":
                        self.assertNotEqual(tag, "dev")
                        self.assertIn("/", next(iter(found)).split(":")[0])
                        tags = {ds.image_tag(i) for s in images.values()
                                for i in s}
                        self.assertEqual(len(tags), 1, "one release")


class ScalingTest(unittest.TestCase):
    def test_pdbs_and_hpas_target_existing_deployments(self):
        for name in ds.RENDERED:
            with self.subTest(render=name):
                docs = docs_of(name)
                deployments = {d["metadata"]["name"]: d
                               for d in ds.by_kind(docs, "Deployment")}
                self.assertEqual(sorted(deployments), sorted([USERD, GATEWAY]))
                covered = set()
                for pdb in ds.by_kind(docs, "PodDisruptionBudget"):
                    matched = [n for n, d in deployments.items()
                               if ds.selector_matches(
                                   pdb["spec"]["selector"],
                                   d["spec"]["template"]["metadata"]["labels"])]
                    self.assertEqual(len(matched), 1, pdb["metadata"]["name"])
                    self.assertEqual(pdb["spec"].get("minAvailable"), 1)
                    self.assertLess(1, deployments[matched[0]]["spec"][
                        "replicas"])
                    covered.add(matched[0])
                self.assertEqual(covered, set(deployments))
                scaled = set()
                for hpa in ds.by_kind(docs, "HorizontalPodAutoscaler"):
                    ref = hpa["spec"]["scaleTargetRef"]
                    self.assertEqual((ref["apiVersion"], ref["kind"]),
                                     ("apps/v1", "Deployment"))
                    self.assertIn(ref["name"], deployments)
                    d = deployments[ref["name"]]
                    self.assertEqual(hpa["spec"]["minReplicas"],
                                     d["spec"]["replicas"])
                    self.assertGreater(hpa["spec"]["maxReplicas"],
                                       hpa["spec"]["minReplicas"])
                    (metric,) = hpa["spec"]["metrics"]
                    self.assertEqual(metric["resource"]["name"], "cpu")
                    scaled.add(ref["name"])
                    if name == "overlays/prod":
                        self.assertGreaterEqual(d["spec"]["replicas"], 3)
                        base_hpa = ds.find(docs_of("base"),
                                           "HorizontalPodAutoscaler",
                                           hpa["metadata"]["name"])
                        self.assertGreater(hpa["spec"]["maxReplicas"],
                                           base_hpa["spec"]["maxReplicas"])
                    else:
                        self.assertEqual(d["spec"]["replicas"], 2)
                self.assertEqual(scaled, set(deployments))
                for d in deployments.values():
                    self.assertTrue(ds.selector_matches(
                        d["spec"]["selector"],
                        d["spec"]["template"]["metadata"]["labels"]))


class NetworkPolicyTest(unittest.TestCase):
    """A small evaluator of NetworkPolicy semantics over the rendered pods:
    traffic to/from a pod is allowed only if some policy selecting it (with
    that policyType) has a rule that allows it."""

    @staticmethod
    def pods(docs):
        return {w["metadata"]["name"]: t["metadata"]["labels"]
                for w, t in ds.workloads(docs)}

    @staticmethod
    def selecting(docs, labels, policy_type):
        return [p for p in ds.by_kind(docs, "NetworkPolicy")
                if ds.selector_matches(p["spec"]["podSelector"], labels)
                and policy_type in p["spec"].get("policyTypes", [])]

    @staticmethod
    def port_in(rule, port):
        ports = rule.get("ports")
        return not ports or any(p.get("port") == port for p in ports)

    def ingress_peers(self, docs, labels, port):
        """The peers allowed to reach `port`; [None] means anyone."""
        peers = []
        for p in self.selecting(docs, labels, "Ingress"):
            for rule in p["spec"].get("ingress") or []:
                if self.port_in(rule, port):
                    peers.extend(rule.get("from") or [None])
        return peers

    def egress_allowed(self, docs, labels, port):
        for p in self.selecting(docs, labels, "Egress"):
            for rule in p["spec"].get("egress") or []:
                if self.port_in(rule, port):
                    return True
        return False

    @staticmethod
    def database_pods(docs):
        """The pods the CloudNativePG operator makes of each Cluster
        (<cluster>-1, -2, ...), with the labels it gives them."""
        pods = {}
        for cluster in cnpg_clusters(docs):
            name = cluster["metadata"]["name"]
            inherited = (cluster["spec"].get("inheritedMetadata") or {}).get(
                "labels") or {}
            for i in range(1, cluster["spec"]["instances"] + 1):
                labels = dict(inherited)
                labels.update({CNPG_CLUSTER_LABEL: name,
                               "cnpg.io/instanceName": "%s-%d" % (name, i),
                               "cnpg.io/podRole": "instance"})
                pods["%s-%d" % (name, i)] = labels
        return pods

    def pods_matching_peer(self, docs, peer):
        """Pods of this namespace a peer selects (podSelector only): the
        workloads' and the database Cluster's."""
        if peer is None or "namespaceSelector" in peer or "ipBlock" in peer:
            return None
        pods = dict(self.pods(docs))
        pods.update(self.database_pods(docs))
        return sorted(n for n, labels in pods.items()
                      if ds.selector_matches(peer["podSelector"], labels))

    def test_selectors_match_pods(self):
        for name in ds.RENDERED:
            docs = docs_of(name)
            pods = self.pods(docs)
            for p in ds.by_kind(docs, "NetworkPolicy"):
                with self.subTest(render=name, policy=p["metadata"]["name"]):
                    selected = [n for n, labels in pods.items()
                                if ds.selector_matches(p["spec"]["podSelector"],
                                                       labels)]
                    self.assertTrue(selected, "selects no pod")
                    for rule in ((p["spec"].get("ingress") or [])
                                 + (p["spec"].get("egress") or [])):
                        for peer in (rule.get("from") or rule.get("to") or []):
                            if "podSelector" in peer and \
                                    "namespaceSelector" not in peer:
                                self.assertTrue(
                                    self.pods_matching_peer(docs, peer),
                                    "peer selects no pod: %r" % peer)

    def test_default_deny_and_dns_for_every_pod(self):
        for name in ds.RENDERED:
            docs = docs_of(name)
            for pod, labels in self.pods(docs).items():
                with self.subTest(render=name, pod=pod):
                    deny = [p for p in ds.by_kind(docs, "NetworkPolicy")
                            if ds.selector_matches(p["spec"]["podSelector"],
                                                   labels)
                            and set(p["spec"].get("policyTypes", []))
                            == {"Ingress", "Egress"}
                            and not p["spec"].get("ingress")
                            and not p["spec"].get("egress")]
                    self.assertTrue(deny, "no default deny")
                    self.assertTrue(self.egress_allowed(docs, labels, 53))

    def test_who_reaches_what(self):
        for name in ds.RENDERED:
            with self.subTest(render=name):
                docs = docs_of(name)
                pods = self.pods(docs)
                _, userd = deployment_container(docs, USERD)
                values = flag_values(userd, USERD)
                grpc_port = ds.split_host_port(values["listen"])[1]
                admin_port = ds.split_host_port(values["admin-listen"])[1]
                _, gateway = deployment_container(docs, GATEWAY)
                gateway_values = flag_values(gateway, GATEWAY)
                http_port = ds.split_host_port(gateway_values["listen"])[1]
                gateway_admin_port = ds.split_host_port(
                    gateway_values["admin-listen"])[1]

                # userd's gRPC port: from the gateway pods and nobody else.
                peers = self.ingress_peers(docs, pods[USERD], grpc_port)
                self.assertEqual([self.pods_matching_peer(docs, p)
                                  for p in peers], [[GATEWAY]])
                self.assertTrue(self.egress_allowed(docs, pods[GATEWAY],
                                                    grpc_port))
                # The admin ports: from monitoring namespaces only.
                for pod, port in ((USERD, admin_port),
                                  (GATEWAY, gateway_admin_port)):
                    peers = self.ingress_peers(docs, pods[pod], port)
                    self.assertTrue(peers, pod)
                    for peer in peers:
                        self.assertEqual(peer, {"namespaceSelector": {
                            "matchLabels": MONITORING_NAMESPACE_LABEL}}, pod)
                # The gateway's port is public; nothing else is open on it.
                self.assertIn(None, self.ingress_peers(docs, pods[GATEWAY],
                                                       http_port))
                for pod, labels in pods.items():
                    if pod != "postgres":
                        self.assertEqual(self.ingress_peers(docs, labels, 5432),
                                         [], pod)
                # PostgreSQL: only userd and the migration Job, in the
                # overlays to a known destination.
                talkers = sorted(p for p, labels in pods.items()
                                 if self.egress_allowed(docs, labels, 5432))
                self.assertEqual(talkers, sorted([USERD, "userd-migrate"]))
                if name == "overlays/dev":
                    peers = self.ingress_peers(docs, pods["postgres"], 5432)
                    self.assertEqual(
                        sorted(sum((self.pods_matching_peer(docs, p)
                                    for p in peers), [])),
                        sorted([USERD, "userd-migrate"]))
                if name in ds.OVERLAYS:
                    policy = ds.find(docs, "NetworkPolicy",
                                     "users-postgres-egress")
                    for rule in policy["spec"]["egress"]:
                        self.assertTrue(rule.get("to"), "5432 to anywhere")
                if name == "overlays/prod":
                    # To the Cluster's instances (any may become primary)
                    # and nowhere else.
                    policy = ds.find(docs, "NetworkPolicy",
                                     "users-postgres-egress")
                    reached = sorted(sum(
                        (self.pods_matching_peer(docs, peer) or [None]
                         for rule in policy["spec"]["egress"]
                         if self.port_in(rule, 5432)
                         for peer in rule["to"]), []))
                    self.assertEqual(reached,
                                     sorted(self.database_pods(docs)))

    def test_dev_has_its_database(self):
        docs = docs_of("overlays/dev")
        statefulset = ds.find(docs, "StatefulSet", "postgres")
        self.assertIsNotNone(statefulset)
        (c,) = statefulset["spec"]["template"]["spec"]["containers"]
        self.assertTrue(c["image"].startswith("postgres:15"))
        self.assertTrue(statefulset["spec"]["volumeClaimTemplates"])
        service = ds.find(docs, "Service", statefulset["spec"]["serviceName"])
        self.assertIsNotNone(service)
        # userd's DATABASE_URL points at that Service.
        secret = ds.find(docs, "Secret", SECRET_NAME)
        url = secret["stringData"]["DATABASE_URL"]
        self.assertIn("@%s:5432/" % service["metadata"]["name"], url)


class DatabaseTest(unittest.TestCase):
    """The data tier: dev runs one PostgreSQL StatefulSet; prod a
    CloudNativePG Cluster with a synchronous replica, the operator's PDBs
    and backups, which userd reaches through its read-write Service."""

    def prod_cluster(self):
        docs = docs_of("overlays/prod")
        clusters = cnpg_clusters(docs)
        self.assertEqual(len(clusters), 1, "one CloudNativePG Cluster")
        return docs, clusters[0]

    def test_only_dev_runs_a_single_postgres(self):
        for name in ds.RENDERED:
            with self.subTest(render=name):
                docs = docs_of(name)
                postgres = [w["metadata"]["name"]
                            for w, t in ds.workloads(docs)
                            for c in ds.all_containers(t["spec"])
                            if c["image"].split("/")[-1].startswith(
                                "postgres")]
                statefulsets = ds.by_kind(docs, "StatefulSet")
                if name == "overlays/dev":
                    self.assertEqual(postgres, ["postgres"])
                    self.assertEqual(
                        [s["metadata"]["name"] for s in statefulsets],
                        ["postgres"])
                    self.assertEqual(cnpg_clusters(docs), [])
                else:
                    self.assertEqual(postgres, [])
                    self.assertEqual(statefulsets, [])
                if name == "base":
                    self.assertEqual(cnpg_clusters(docs), [])

    def test_prod_cluster_is_highly_available(self):
        _, cluster = self.prod_cluster()
        spec = cluster["spec"]
        self.assertEqual(spec["instances"], 3)
        # At least one synchronous replica, and fewer than the replicas
        # there are: the current stanza, or the older min/maxSyncReplicas.
        synchronous = (spec.get("postgresql") or {}).get("synchronous")
        if synchronous is not None:
            self.assertIn(synchronous["method"], ("any", "first"))
            sync = synchronous["number"]
            self.assertNotIn("minSyncReplicas", spec)
            self.assertNotIn("maxSyncReplicas", spec)
        else:
            sync = spec.get("minSyncReplicas", 0)
            self.assertGreaterEqual(spec.get("maxSyncReplicas", 0), sync)
        self.assertGreaterEqual(sync, 1, "no synchronous replica")
        self.assertLess(sync, spec["instances"] - 1,
                        "every replica synchronous: one down stops writes")
        # The operator's PodDisruptionBudgets (primary and replicas).
        self.assertIs(spec.get("enablePDB"), True)
        self.assertTrue(spec["storage"]["size"])
        for bound in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                self.assertIn(resource, spec["resources"][bound])
        self.assertEqual(ds.quantity(spec["resources"]["requests"]["memory"]),
                         ds.quantity(spec["resources"]["limits"]["memory"]),
                         "PostgreSQL's memory: request = limit")
        initdb = spec["bootstrap"]["initdb"]
        self.assertTrue(initdb.get("database"))
        self.assertTrue(initdb.get("owner"))

    def test_prod_cluster_takes_every_userd_connection(self):
        docs, cluster = self.prod_cluster()
        _, userd = deployment_container(docs, USERD)
        flags = ds.read_flags(ARGS.source_dir, USERD)
        pool = int(ds.container_env(docs, userd).get(
            flags["db-pool-size"].env, flags["db-pool-size"].default))
        hpa = ds.find(docs, "HorizontalPodAutoscaler", USERD)
        parameters = (cluster["spec"].get("postgresql") or {}).get(
            "parameters") or {}
        max_connections = int(parameters.get("max_connections", "100"))
        # Each replica's pool plus its health connection, and the Job.
        self.assertGreaterEqual(
            max_connections, hpa["spec"]["maxReplicas"] * (pool + 1) + 1)

    def test_prod_cluster_is_backed_up(self):
        docs, cluster = self.prod_cluster()
        name = cluster["metadata"]["name"]
        backup = cluster["spec"]["backup"]
        store = backup["barmanObjectStore"]
        self.assertRegex(store["destinationPath"], r"^(s3|gs|https)://")
        # Credentials from a Secret created out of band, never rendered.
        credentials = store["s3Credentials"]
        for field in ("accessKeyId", "secretAccessKey"):
            ref = credentials[field]
            self.assertTrue(ref["name"] and ref["key"], field)
            self.assertIsNone(ds.find(docs, "Secret", ref["name"]))
        self.assertRegex(backup["retentionPolicy"], r"^[1-9][0-9]*[dwm]$")
        scheduled = [b for b in ds.by_kind(docs, "ScheduledBackup")
                     if b["apiVersion"] == CNPG_API
                     and b["spec"]["cluster"]["name"] == name]
        self.assertEqual(len(scheduled), 1)
        spec = scheduled[0]["spec"]
        # The operator's cron format has six fields, seconds first.
        self.assertEqual(len(spec["schedule"].split()), 6)
        self.assertEqual(spec.get("method", "barmanObjectStore"),
                         "barmanObjectStore")

    def test_prod_userd_follows_the_read_write_service(self):
        docs, cluster = self.prod_cluster()
        name = cluster["metadata"]["name"]
        rw = CNPG_RW_SERVICE % name
        for workload_kind, workload_name in (("Deployment", USERD),
                                             ("Job", "userd-migrate")):
            with self.subTest(workload=workload_name):
                workload = ds.find(docs, workload_kind, workload_name)
                (c,) = workload["spec"]["template"]["spec"]["containers"]
                env = ds.container_env(docs, c)
                url = env["DATABASE_URL"]
                if isinstance(url, tuple):
                    # The operator's app Secret: its URLs lead to <cluster>-rw
                    # and follow password rotations.
                    self.assertEqual(url[:2],
                                     ("secret", CNPG_APP_SECRET % name))
                    self.assertIn(url[2], CNPG_APP_URI_KEYS)
                    attrs = env.get("PGTARGETSESSIONATTRS")
                else:
                    host = url.split("@", 1)[-1].split("/", 1)[0]
                    self.assertEqual(host.split(".")[0].split(":")[0], rw)
                    attrs = env.get("PGTARGETSESSIONATTRS")
                    if "target_session_attrs=" in url:
                        attrs = url.split("target_session_attrs=")[1].split(
                            "&")[0]
                # A demoted primary still behind the Service is refused.
                self.assertEqual(attrs, "read-write")
                # TLS checked against the cluster's own CA, from its Secret.
                if env.get("PGSSLMODE") == "verify-full":
                    secret, key = mounted_secret_file(
                        docs, workload, c, env["PGSSLROOTCERT"])
                    self.assertEqual((secret, key),
                                     (CNPG_CA_SECRET % name, "ca.crt"))
                    volume = [v for v in workload["spec"]["template"]["spec"][
                        "volumes"] if v.get("secret", {}).get(
                            "secretName") == secret][0]
                    # Only the certificate, never the CA's key.
                    self.assertEqual([i["key"] for i in volume["secret"].get(
                        "items") or []], ["ca.crt"])
                else:
                    self.assertIn(env.get("PGSSLMODE"), (None, "require",
                                                         "verify-ca"))


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--kubectl", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
