#!/usr/bin/env python3
"""Runs each real binary with --version: it prints one line,
"<program> <version> (commit <commit>)", with the version and commit this
build was configured with, and exits 0 before looking at anything else:
no database URL, no listen address (the environment is emptied but for the
sanitizers' options).

  version_e2e.py --version 0.1.0 --commit abcdef0 \\
      --binary userd=build/services/userd/userd \\
      --binary user-gateway=build/gateway/user-gateway
"""

import argparse
import os
import subprocess
import sys

# Kept for `scripts/test --sanitize`; every other variable is dropped.
SANITIZER_PREFIXES = ("ASAN_", "UBSAN_", "LSAN_")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", required=True)
    parser.add_argument("--commit", required=True)
    parser.add_argument("--binary", action="append", required=True,
                        metavar="PROGRAM=PATH")
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items()
           if k.startswith(SANITIZER_PREFIXES)}
    failures = []
    for binary in args.binary:
        program, _, path = binary.partition("=")
        expected = "%s %s (commit %s)\n" % (program, args.version, args.commit)
        run = subprocess.run([path, "--version"], env=env, timeout=30,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, check=False)
        ok = (run.returncode == 0 and run.stdout == expected and
              run.stderr == "")
        print("%s: %s --version -> exit %d, %r (expected %r)%s"
              % ("ok" if ok else "FAIL", program, run.returncode, run.stdout,
                 expected, "" if not run.stderr else
                 ", stderr %r" % run.stderr[:500]), flush=True)
        if not ok:
            failures.append(program)
    if failures:
        print("FAILED: %s" % ", ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
