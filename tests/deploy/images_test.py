#!/usr/bin/python3
"""Checks of the container images against the manifests and the built
binaries, without a Docker engine:

- each Dockerfile builds on debian:bookworm from scripts/lib/deps.sh, passes
  GIT_COMMIT to CMake, builds one target, and runs on debian:bookworm-slim as
  a numeric non-root user, in exec form (no shell at run time);
- its CMD is exactly the Deployment's args in every overlay, and its
  ENTRYPOINT is the binary the build stage copies in;
- the runtime stage installs every shared library the built binary needs
  (ldd -> dpkg -S -> the Depends closure of the installed list);
- the command lines Kubernetes would run (ENTRYPOINT + args, with the
  container's environment) are accepted by the real binaries: each is run
  with --help appended and must exit 0.

  images_test.py --source-dir REPO --kubectl KUBECTL --userd PATH
                 [--gateway PATH]
"""

import argparse
import os
import re
import subprocess
import sys
import unittest

import deploy_support as ds
from deploy_support import GATEWAY, USERD, check

ARGS = None
RENDERS = {}
# Packages the debian:bookworm-slim base image has (Essential: yes, and
# what they pull in).
BASE_IMAGE_PACKAGES = {"libc6", "libgcc-s1", "zlib1g", "libzstd1",
                       "liblzma5", "libbz2-1.0", "libcrypt1", "libselinux1",
                       "libpcre2-8-0"}
CMAKE_TARGET = {USERD: "userd", GATEWAY: "user_gateway"}
RUNTIME_USER = "65532:65532"


def docs_of(name):
    if name not in RENDERS:
        RENDERS[name] = ds.render(ARGS.kubectl, ARGS.source_dir, name)
    return RENDERS[name]


def binaries():
    found = {USERD: ARGS.userd}
    if ARGS.gateway:
        found[GATEWAY] = ARGS.gateway
    return found


def stages(binary):
    return ds.parse_dockerfile(os.path.join(ARGS.source_dir,
                                            ds.DOCKERFILES[binary]))


def runtime_packages(stage):
    """The packages the stage's RUN lines apt-get install."""
    packages = set()
    for run in stage.all("RUN"):
        for command in re.split(r"&&|;", run):
            words = ds.shell_words(command)
            if "apt-get" in words and "install" in words:
                after = words[words.index("install") + 1:]
                packages.update(w for w in after if not w.startswith("-"))
    return packages


def depends_closure(packages):
    """Installed packages reachable through Depends/Pre-Depends (one
    dpkg-query per level)."""
    seen, level = set(), set(packages)
    while level:
        seen |= level
        proc = subprocess.run(
            ["dpkg-query", "-W",
             "-f=${Package}\t${Depends}, ${Pre-Depends}\n"] + sorted(level),
            capture_output=True, text=True)
        found = set()
        following = set()
        for line in proc.stdout.splitlines():
            package, _, depends = line.partition("\t")
            found.add(package)
            for alternative in depends.split(","):
                for choice in alternative.split("|"):
                    dep = choice.strip().split(" ")[0].split(":")[0]
                    if dep:
                        following.add(dep)
        unknown = {p for p in level if p in packages} - found
        check(not unknown, "runtime packages not known to dpkg here: %s"
              % " ".join(sorted(unknown)))
        level = following - seen
    return seen


def library_packages(binary_path):
    """package -> libraries, for the shared libraries the binary loads."""
    proc = subprocess.run(["ldd", binary_path], capture_output=True,
                          text=True, check=True)
    libraries = {}
    for line in proc.stdout.splitlines():
        m = re.search(r"=>\s+(\S+)", line)
        if not m:
            continue
        check(m.group(1) != "not", "unresolved library: %s" % line.strip())
        path = os.path.realpath(m.group(1))
        candidates = {path, m.group(1)}
        # usrmerge: dpkg may know /lib/... for /usr/lib/... and back.
        for p in list(candidates):
            if p.startswith("/usr/lib/"):
                candidates.add(p[len("/usr"):])
            elif p.startswith("/lib/"):
                candidates.add("/usr" + p)
        libraries[path] = candidates
    every = sorted(set().union(*libraries.values()))
    query = subprocess.run(["dpkg", "-S"] + every, capture_output=True,
                           text=True)
    owner_of = {}
    for line in query.stdout.splitlines():
        packages, _, file = line.partition(": ")
        owner_of[file.strip()] = packages.split(",")[0].split(":")[0].strip()
    owners = {}
    for path, candidates in libraries.items():
        owner = next((owner_of[c] for c in sorted(candidates)
                      if c in owner_of), None)
        check(owner, "no Debian package owns %s" % path)
        owners.setdefault(owner, []).append(os.path.basename(path))
    return owners


def run_help(argv, env):
    proc = subprocess.run(argv + ["--help"], capture_output=True, text=True,
                          env=env, timeout=30)
    return proc


def clean_env(extra):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    env.update(extra)
    return env


def resolved_env(docs, container):
    """The container's environment with each Secret reference replaced by a
    stand-in value."""
    env = {}
    for name, value in ds.container_env(docs, container).items():
        env[name] = "secret-%s" % name.lower() if isinstance(value, tuple) \
            else value
    return env


class DockerfileTest(unittest.TestCase):
    def test_build_and_runtime_stages(self):
        for binary, rel in ds.DOCKERFILES.items():
            with self.subTest(dockerfile=rel):
                all_stages = stages(binary)
                build = next(s for s in all_stages if s.name == "build")
                runtime = all_stages[-1]
                self.assertEqual(build.base, "debian:bookworm")
                self.assertEqual(runtime.base, "debian:bookworm-slim")
                build_text = " ".join(t for _, t in build.instructions)
                self.assertIn("scripts/lib/deps.sh", build_text)
                self.assertIn("USERS_DEB_PACKAGES", build_text)
                self.assertIn("GIT_COMMIT", build.all("ARG")[0])
                self.assertIn('-DUSERS_GIT_COMMIT="${GIT_COMMIT}"', build_text)
                self.assertRegex(build_text, r"--target %s\b"
                                 % CMAKE_TARGET[binary])
                # Run time: numeric non-root user, exec form.
                self.assertEqual(runtime.last("USER"), RUNTIME_USER)
                entrypoint = ds.exec_form(runtime.last("ENTRYPOINT"),
                                          "ENTRYPOINT")
                self.assertEqual(os.path.basename(entrypoint[0]), binary)
                self.assertEqual(len(entrypoint), 1)
                copies = [c.split() for c in runtime.all("COPY")]
                self.assertIn(entrypoint[0], [c[-1] for c in copies
                                              if c[0] == "--from=build"])
                ds.exec_form(runtime.last("CMD"), "CMD")
                self.assertFalse(runtime.all("SHELL"))
                # The per-Dockerfile ignore file keeps .git and build trees
                # out of the context.
                ignore = os.path.join(ARGS.source_dir, rel + ".dockerignore")
                with open(ignore) as f:
                    patterns = {l.strip() for l in f
                                if l.strip() and not l.startswith("#")}
                self.assertTrue({".git", "build", "build-*"} <= patterns)

    def test_cmd_is_what_the_deployments_run(self):
        for binary in ds.DOCKERFILES:
            runtime = stages(binary)[-1]
            cmd = ds.exec_form(runtime.last("CMD"), "CMD")
            exposed = sorted(int(p.split("/")[0])
                             for e in runtime.all("EXPOSE") for p in e.split())
            for name in ds.RENDERED:
                with self.subTest(dockerfile=binary, render=name):
                    deployment = ds.find(docs_of(name), "Deployment", binary)
                    (c,) = deployment["spec"]["template"]["spec"]["containers"]
                    self.assertNotIn("command", c)
                    self.assertEqual(c["args"], cmd)
                    self.assertEqual(
                        sorted(p["containerPort"] for p in c["ports"]), exposed)
                    sc = c["securityContext"]
                    self.assertEqual("%d:%d" % (sc["runAsUser"],
                                                sc["runAsGroup"]), RUNTIME_USER)

    def test_runtime_stage_has_every_library_the_binary_needs(self):
        for binary, path in binaries().items():
            with self.subTest(binary=binary):
                installed = runtime_packages(stages(binary)[-1])
                self.assertTrue(installed)
                closure = depends_closure(installed) | BASE_IMAGE_PACKAGES
                missing = {pkg: libs for pkg, libs in
                           library_packages(path).items() if pkg not in closure}
                self.assertEqual(missing, {},
                                 "libraries the runtime stage does not install")
                # And nothing build-only at run time.
                self.assertFalse([p for p in installed if p.endswith("-dev")])


class CommandLineTest(unittest.TestCase):
    def test_manifest_command_lines_are_accepted(self):
        for name in ds.RENDERED:
            docs = docs_of(name)
            for workload, template in ds.workloads(docs):
                for c in ds.all_containers(template["spec"]):
                    binary = ds.image_kind(c["image"])
                    if binary not in binaries():
                        continue
                    where = "%s %s/%s" % (name, workload["metadata"]["name"],
                                          c["name"])
                    with self.subTest(container=where):
                        argv = ds.image_argv(stages(binary)[-1], c)
                        self.assertEqual(os.path.basename(argv[0]), binary)
                        local = [binaries()[binary]] + argv[1:]
                        proc = run_help(local, clean_env(resolved_env(docs, c)))
                        self.assertEqual(
                            proc.returncode, 0,
                            "%s --help: %s%s" % (" ".join(argv), proc.stdout,
                                                 proc.stderr))
                        for arg in argv[1:]:
                            if arg.startswith("--"):
                                flag = arg[2:].split("=", 1)[0]
                                self.assertIn("--" + flag, proc.stdout)

    def test_a_drifted_flag_is_refused(self):
        # The check above means something: an unknown flag fails.
        for binary, path in binaries().items():
            with self.subTest(binary=binary):
                proc = run_help([path, "--no-such-flag=1"], clean_env({}))
                self.assertNotEqual(proc.returncode, 0)

    def test_the_image_default_command_is_accepted(self):
        for binary, path in binaries().items():
            with self.subTest(binary=binary):
                runtime = stages(binary)[-1]
                argv = ds.image_argv(runtime, {})
                proc = run_help([path] + argv[1:], clean_env({}))
                self.assertEqual(proc.returncode, 0, proc.stderr)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--kubectl", required=True)
    parser.add_argument("--userd", required=True)
    parser.add_argument("--gateway")
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
