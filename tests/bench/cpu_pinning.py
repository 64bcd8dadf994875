"""CPU affinity for the benchmark's database-bound mode: PostgreSQL (the
postmaster and every process it has forked) on one core, everything else
(userd, user-gateway, this script and the load clients it starts) on the
others, as when the database has a server of its own.

Affinity is set on every thread (/proc/<pid>/task) of the processes named,
and on this script, whose children (pgbench, grpc_update_load, wrk) inherit
it; PostgreSQL backends forked later inherit the postmaster's, so pgbench's
backends run on the database core while pgbench itself runs beside userd.
`unpin` gives every one of them all the CPUs this script started with.
Linux only; needs permission to set another user's affinity (root, or the
same user as PostgreSQL)."""

import os


class CpuSplit:
    """The CPUs for the database and for everything else."""

    def __init__(self, allowed):
        allowed = sorted(allowed)
        if len(allowed) < 2:
            raise ValueError("pinning the database needs 2 CPUs, this process "
                             "may use %d" % len(allowed))
        self.all = set(allowed)
        self.database = {allowed[0]}
        self.others = self.all - self.database

    def describe(self):
        return {"database": sorted(self.database),
                "others": sorted(self.others)}


def children_of(parent):
    """Pids whose parent is `parent` (a snapshot; processes come and go)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        if int(fields[1]) == parent:
            pids.append(int(entry))
    return pids


def set_process_affinity(pid, cpus):
    """Every thread of `pid` on `cpus`; a process that has exited is
    skipped."""
    try:
        threads = [int(t) for t in os.listdir("/proc/%d/task" % pid)]
    except FileNotFoundError:
        return
    for tid in threads:
        try:
            os.sched_setaffinity(tid, cpus)
        except ProcessLookupError:
            pass  # the thread ended meanwhile


class Pinning:
    """Moves the PostgreSQL cluster and the service processes between the
    two modes. `services` returns the pids of userd and the gateway."""

    def __init__(self, split, postmaster, services):
        self.split = split
        self.postmaster = postmaster
        self.services = services

    def pin(self):
        self.apply(self.split.database, self.split.others)

    def unpin(self):
        self.apply(self.split.all, self.split.all)

    def apply(self, database_cpus, other_cpus):
        # The postmaster first: whatever it forks from now on inherits its
        # CPUs, then the processes it had already forked.
        set_process_affinity(self.postmaster, database_cpus)
        for pid in children_of(self.postmaster):
            set_process_affinity(pid, database_cpus)
        for pid in self.services():
            set_process_affinity(pid, other_cpus)
        os.sched_setaffinity(0, other_cpus)
