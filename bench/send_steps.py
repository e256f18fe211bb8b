#!/usr/bin/env python3
# Where a bulk send's time went: bench/rpc_timer.js's SENDSTEP lines (a
# send's POST, its first call at the node, the last answer, its raw
# transaction at the node, as the timing proxy saw them, and the
# JSON-RPC ids of the first call and the raw transaction) beside what
# the daemon logs at debug level: its steps (log_tx_step: "step ID NAME
# MICROSECONDS") and when each call's request went out (rpc.c: "rpc M
# #ID: asked A, sent S, answered D"), all on CLOCK_MONOTONIC.  Prints,
# per stage, p50, p90 and mean in ms, which stages are the daemon's own,
# the time from the api's logged "sent" of a call to the proxy's reading
# it, and the group commits.
# usage: send_steps.py BENCH_OUTPUT DAEMON_LOG
import re
import sys

# (from, to, name, whose): 'd' the daemon's, 'n' the node side's
# (the timing proxy and anvil), 'm' both; 'p' from the api's logged
# "sent" to the proxy's reading the call.  rpc.c dates "sent" from
# curl's PRETRANSFER time, and the api's send() can come later: traced
# with perf on 2026-12-07 (32 agents), a call went from the api's send()
# to the proxy's read() in 0.47 ms (p50), and from the logged "sent" to
# the send() in 10.3 ms, so most of 'p' was the api's.  (With libcurl
# 7.88 a call that waited for a free connection gets a "sent" that is
# early by that wait: PRETRANSFER counts from its last CONNECT, TOTAL
# from its start.)
STAGES = (
    ('post', 'pd_in', 'client POST .. policyd has it', 'm'),
    ('pd_in', 'pd_answer', 'policyd: decide, record', 'd'),
    ('pd_answer', 'api_prep', 'prepare question to the api', 'd'),
    ('api_prep', 'sent1', 'api: first call written', 'd'),
    ('sent1', 'first', '  logged sent .. proxy reads it', 'p'),
    ('first', 'last', 'node calls (first read..last answer)', 'n'),
    ('last', 'api_ctx', 'api: answers read', 'm'),
    ('api_ctx', 'pd_ctx', 'context to policyd', 'd'),
    ('pd_ctx', 'pd_sign', 'policyd: caps, nonce', 'd'),
    ('pd_sign', 'pd_signed', 'signer (there and back)', 'd'),
    ('pd_signed', 'api_send', 'SIGNED stored, commit, to api', 'd'),
    ('api_send', 'sentraw', 'api: raw transaction written', 'd'),
    ('sentraw', 'raw', '  logged sent .. proxy reads it', 'p'),
)


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))] if v else float('nan')


def main():
    sends = {}
    for line in open(sys.argv[1]):
        f = line.strip().split('|')
        if f[0] == 'SENDSTEP' and len(f) == 9:
            sends[f[1]] = {'post': int(f[2]), 'first': int(f[3]),
                           'last': int(f[4]), 'raw': int(f[5]),
                           'node': float(f[6]), 'id1': f[7],
                           'idraw': f[8]}
    rx = re.compile(r': debug: step (\S+) (\S+) (\d+)$')
    rxc = re.compile(r': debug: rpc \S+ #(\d+): asked \d+, sent (\d+), ')
    commits, start, sent = [], None, {}
    for line in open(sys.argv[2], errors='replace'):
        m = rx.search(line.rstrip('\n'))
        if not m:
            m = rxc.search(line)
            if m:
                sent[m.group(1)] = int(m.group(2))
            continue
        tid, step, us = m.group(1), m.group(2), int(m.group(3))
        if tid == 'group':
            if step == 'commit':
                start = us
            elif step == 'committed' and start is not None:
                commits.append((start, us))
                start = None
            continue
        s = sends.get(tid)
        if s is not None and step not in s:
            s[step] = us
    if not sends:
        print('steps: none (no SENDSTEP lines)')
        return
    for s in sends.values():
        for k, i in (('sent1', 'id1'), ('sentraw', 'idraw')):
            if s[i] in sent:
                s[k] = sent[s[i]]
    full = [s for s in sends.values()
            if all(a in s and b in s for a, b, _, _ in STAGES)]
    print('where a send\'s time went (%d of %d sends with every step, '
          'CLOCK_MONOTONIC), ms' % (len(full), len(sends)))
    print('%-40s%9s%9s%9s  %s' % ('stage', 'p50', 'p90', 'mean', 'whose'))
    own = [0] * len(full)
    for a, b, name, who in STAGES:
        v = [(s[b] - s[a]) / 1000 for s in full]
        print('%-40s%9.3f%9.3f%9.3f  %s' % (name, pct(v, .5), pct(v, .9),
              sum(v) / max(1, len(v)), {'d': 'daemon', 'n': 'node side',
                                        'p': 'api or proxy',
                                        'm': 'both'}[who]))
        if who == 'd':
            own = [x + y for x, y in zip(own, v)]
    print('the daemon\'s own stages, summed per send: p50 %.3f p90 %.3f '
          'mean %.3f ms (the rest: the node side, and the hops both '
          'ways between them)' % (pct(own, .5), pct(own, .9),
                                  sum(own) / max(1, len(own))))
    # The bench's daemon time counts the time from the api's logged
    # "sent" of the send's first call and of its raw transaction to the
    # proxy's reading them: the proxy's queue, and whatever came in the
    # api between curl's PRETRANSFER time and its send().
    q = [((s['first'] - s['sent1']) + (s['raw'] - s['sentraw'])) / 1000
         for s in full]
    dt = [(s['raw'] - s['post']) / 1000 - s['node'] for s in full]
    if full:
        print('logged sent .. proxy reads it, first call plus raw '
              'transaction, per send: p50 %.3f p90 %.3f mean %.3f ms; the '
              'bench\'s daemon time p50 %.3f, without that p50 %.3f ms (a '
              'floor: part of what is taken off is the api\'s)' % (
                  pct(q, .5), pct(q, .9), sum(q) / len(q), pct(dt, .5),
                  pct([a - b for a, b in zip(dt, q)], .5)))
    if commits:
        t0 = min(s['post'] for s in sends.values())
        t1 = max(s['raw'] for s in sends.values())
        run = [(a, b) for a, b in commits if a >= t0 and b <= t1]
        d = [(b - a) / 1000 for a, b in run]
        if d:
            print('group commits during the sends: %d, %.1f per second, '
                  'each p50 %.3f p90 %.3f ms; policyd in COMMIT %.1f %% '
                  'of the time' % (len(d), len(d) / ((t1 - t0) / 1e6),
                                   pct(d, .5), pct(d, .9),
                                   100 * sum(d) / ((t1 - t0) / 1000)))


main()
