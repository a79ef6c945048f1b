#!/usr/bin/env python3
"""Build benchmark inputs for `flowchronicle evaluate`.

Reads UGR'16 NetFlow records (one CSV row per flow direction, gzip). Writes
the first ROWS records as a canonical flow CSV `real.csv`, one record per
flow with the side of the lower port taken as the responder. Writes up to
HOLDOUT following records as `holdout.csv`. Then writes SYNTHETIC
files of ROWS flows each by resampling the real flows with replacement and
perturbing them: counters scaled by a random factor, some categorical
values replaced by values of other rows, and start times jittered. Each
file perturbs more than the previous one, so the metrics should get worse
from file 0 to file 9. The output depends only on the arguments.

usage: make_eval_data.py UGR16_CSV_GZ OUT_DIR [ROWS] [SYNTHETIC] [HOLDOUT]
"""

import csv
import gzip
import os
import random
import sys
from datetime import datetime, timedelta, timezone

HEADER = [
    "ts", "proto", "src_ip", "src_port", "dst_ip", "dst_port",
    "fwd_packets", "bwd_packets", "fwd_bytes", "bwd_bytes", "duration", "flags",
]


def read_ugr16(path, rows):
    flows = []
    with gzip.open(path, "rt", newline="") as f:
        for record in csv.DictReader(f):
            end = datetime.strptime(record["te"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
            duration = float(record["td"])
            start = end - timedelta(seconds=duration)
            sp, dp = int(record["sp"]), int(record["dp"])
            packets, size = int(record["pkt"]), int(record["byt"])
            flow = [start, record["pr"], record["sa"], sp, record["da"], dp,
                    packets, 0, size, 0, duration, record["flg"]]
            if sp < dp:
                # The lower port is the service: its side is the responder.
                flow = [start, record["pr"], record["da"], dp, record["sa"], sp,
                        0, packets, 0, size, duration, record["flg"]]
            flows.append(flow)
            if len(flows) == rows:
                break
    return flows


def write(path, flows):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for flow in flows:
            ts = flow[0].strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            writer.writerow([ts] + flow[1:10] + [f"{flow[10]:.3f}", flow[11]])


def perturb(flows, rng, strength):
    out = []
    for _ in range(len(flows)):
        flow = list(rng.choice(flows))
        for column in (2, 4, 5, 11):
            if rng.random() < strength:
                flow[column] = rng.choice(flows)[column]
        factor = rng.lognormvariate(0.0, strength)
        for column in (6, 7, 8, 9):
            flow[column] = int(round(flow[column] * factor))
        flow[10] = max(0.0, flow[10] * factor)
        flow[0] = flow[0] + timedelta(seconds=rng.uniform(-60, 60) * strength * 10)
        out.append(flow)
    out.sort(key=lambda f: f[0])
    return out


def main():
    source, out_dir = sys.argv[1], sys.argv[2]
    rows = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
    files = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    holdout_rows = int(sys.argv[5]) if len(sys.argv) > 5 else 30_000
    os.makedirs(out_dir, exist_ok=True)
    flows = read_ugr16(source, rows + holdout_rows)
    real = sorted(flows[:rows], key=lambda f: f[0])
    holdout = sorted(flows[rows:], key=lambda f: f[0])
    write(os.path.join(out_dir, "real.csv"), real)
    write(os.path.join(out_dir, "holdout.csv"), holdout)
    for i in range(files):
        rng = random.Random(1000 + i)
        write(os.path.join(out_dir, f"synthetic_{i}.csv"), perturb(real, rng, 0.02 + 0.05 * i))


if __name__ == "__main__":
    main()
