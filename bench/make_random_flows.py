#!/usr/bin/env python3
"""Write a canonical flow CSV of uniformly random flows.

Every field is drawn independently (random 10.x.y.z addresses, ports, flag
sets and counters), so almost no two rows share their discrete values. This
is the slow case of the density and coverage search, which skips groups of
rows with equal discrete values.

usage: make_random_flows.py OUT_CSV SEED [ROWS]
"""

import random
import sys


def main():
    path, seed = sys.argv[1], int(sys.argv[2])
    rows = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
    rng = random.Random(seed)

    def address():
        return f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"

    with open(path, "w") as f:
        f.write("ts,proto,src_ip,src_port,dst_ip,dst_port,fwd_packets,bwd_packets,"
                "fwd_bytes,bwd_bytes,duration,flags\n")
        for i in range(rows):
            flags = "".join(c if rng.random() < 0.5 else "." for c in "UAPRSF")
            packets = rng.randrange(1, 1000)
            ts = f"2016-04-11T00:{i // 6000 % 60:02d}:{i // 100 % 60:02d}.{i % 100:02d}0000Z"
            f.write(f"{ts},{rng.choice(['TCP', 'UDP', 'ICMP'])},{address()},"
                    f"{rng.randrange(1024, 65535)},{address()},{rng.randrange(65536)},"
                    f"{packets},{rng.randrange(1000)},{packets * rng.randrange(40, 1500)},"
                    f"{rng.randrange(10**6)},{rng.random() * 100:.3f},{flags}\n")


if __name__ == "__main__":
    main()
