#!/usr/bin/env python3
"""memscan.py PID NEEDLE_HEX...: count where each needle (given as hex of
its bytes) occurs in the readable mappings of PID, freed heap included.
Prints one line per needle: the hex and the number of hits."""
import re
import sys


def regions(pid):
    with open("/proc/%s/maps" % pid) as f:
        for line in f:
            m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
            name = line.split()[-1] if len(line.split()) > 5 else ""
            if m and m.group(3)[0] == "r" and name not in (
                    "[vvar]", "[vsyscall]", "[vvar_vclock]"):
                yield int(m.group(1), 16), int(m.group(2), 16)


def main():
    pid = sys.argv[1]
    needles = [bytes.fromhex(h) for h in sys.argv[2:]]
    hits = [0] * len(needles)
    with open("/proc/%s/mem" % pid, "rb", 0) as mem:
        for lo, hi in regions(pid):
            # ASan's shadow and reserved ranges are huge and empty.
            if hi - lo > (1 << 32):
                continue
            try:
                mem.seek(lo)
                data = mem.read(hi - lo)
            except (OSError, OverflowError, ValueError):
                continue
            for i, n in enumerate(needles):
                hits[i] += data.count(n)
    for n, h in zip(sys.argv[2:], hits):
        print(n, h)


if __name__ == "__main__":
    main()
