#!/usr/bin/env python3
# Where the time between the api's logged "sent" of a call and its
# arrival at the timing proxy goes, for bench/send_bulk.sh BENCH_PERF=1:
# perf's record of the api's send() and the proxy's read() system calls
# (CLOCK_MONOTONIC), the daemon's debug log ("rpc M #ID: ... sent S"),
# and the SENDSTEP lines (each send's first call and raw transaction:
# their ids and arrival at the proxy).  A call is followed through its
# connection: the api's socket and the proxy's for it are paired by the
# sizes they carry (one call at a time on a connection).  Prints, per
# call, p50/p90/p99 of: the api's send() to the proxy's arrival (the
# proxy's queue, and the kernel's hop), and the logged "sent" to the
# api's send() (inside the api).
# usage: send_hops.py PERF_SCRIPT_TEXT API_PID PROXY_PID DAEMON_LOG BULK_OUT
import bisect
import re
import sys
from collections import Counter, defaultdict

EV = re.compile(r'\s*(\d+)/(\d+)\s+([\d.]+):\s+syscalls:(\w+): (.*)')
FD = re.compile(r'fd: (0x[0-9a-f]+)')
LEN = re.compile(r'len: (0x[0-9a-f]+)')
SENT = re.compile(r'rpc \S+ #(\d+): asked \d+, sent (\d+), ')


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))] if v else float('nan')


def syscalls(path, api, proxy):
    """The api's send()s (us, fd, bytes), the proxy's read()s (us at
    entry, fd, bytes), each sorted by time."""
    sends, reads, pend = [], [], {}
    for line in open(path, errors='replace'):
        m = EV.match(line)
        if not m:
            continue
        pid, tid, us = int(m[1]), int(m[2]), float(m[3]) * 1e6
        ev, rest = m[4], m[5]
        if pid == api and ev == 'sys_enter_sendto':
            f, n = FD.search(rest), LEN.search(rest)
            if f and n:
                sends.append((us, int(f[1], 16), int(n[1], 16)))
        elif pid == proxy and ev == 'sys_enter_read':
            f = FD.search(rest)
            if f:
                pend[tid] = (us, int(f[1], 16))
        elif pid == proxy and ev == 'sys_exit_read' and tid in pend:
            t0, fd = pend.pop(tid)
            try:
                ret = int(rest.strip(), 16)
            except ValueError:
                continue
            if 0 < ret < 1 << 62:
                reads.append((t0, fd, ret))
    sends.sort()
    reads.sort()
    return sends, reads


def connections(sends, reads):
    """api socket -> proxy socket: for each send(), the first read() of
    as many bytes after it; the most frequent partner of each."""
    rt = [r[0] for r in reads]
    pairs = Counter()
    for us, fd, n in sends:
        i = bisect.bisect_left(rt, us)
        while i < len(reads) and reads[i][0] - us < 50000:
            if reads[i][2] == n:
                pairs[(fd, reads[i][1])] += 1
                break
            i += 1
    best, taken = {}, set()
    for (a, p), _ in pairs.most_common():
        if a not in best and p not in taken:
            best[a] = p
            taken.add(p)
    return best


def main():
    if len(sys.argv) != 6:
        sys.exit('usage: send_hops.py PERF_TEXT API_PID PROXY_PID LOG BULK')
    sends, reads = syscalls(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
    conn = connections(sends, reads)
    back = {p: a for a, p in conn.items()}
    by_fd = defaultdict(list)
    for us, fd, _ in sends:
        by_fd[fd].append(us)
    sent = {}
    for line in open(sys.argv[4], errors='replace'):
        m = SENT.search(line)
        if m:
            sent[m[1]] = int(m[2])
    rt = [r[0] for r in reads]
    wire, inside, lost = [], [], 0
    for line in open(sys.argv[5]):
        f = line.strip().split('|')
        if f[0] != 'SENDSTEP' or len(f) != 9:
            continue
        for at, cid in ((int(f[3]), f[7]), (int(f[5]), f[8])):
            # the proxy's last read() on a paired socket before arrival
            j = bisect.bisect_right(rt, at) - 1
            while j >= 0 and at - reads[j][0] < 2000 and \
                    reads[j][1] not in back:
                j -= 1
            if cid not in sent or j < 0 or at - reads[j][0] >= 2000:
                lost += 1
                continue
            ws = by_fd[back[reads[j][1]]]
            k = bisect.bisect_right(ws, reads[j][0]) - 1
            if k < 0:
                lost += 1
                continue
            wire.append((at - ws[k]) / 1000)
            inside.append((ws[k] - sent[cid]) / 1000)
    print('perf: %d send()s of the api, %d read()s of the proxy, %d '
          'connections paired; %d calls followed (first call and raw '
          'transaction of each send), %d not' % (
              len(sends), len(reads), len(conn), len(wire), lost))
    if not wire:
        return
    print('%-44s%9s%9s%9s' % ('per call, ms', 'p50', 'p90', 'p99'))
    for name, v in (('api send() .. proxy has it (proxy queue)', wire),
                    ('logged "sent" .. api send() (in the api)', inside)):
        print('%-44s%9.3f%9.3f%9.3f' % (name, pct(v, .5), pct(v, .9),
                                        pct(v, .99)))


main()
