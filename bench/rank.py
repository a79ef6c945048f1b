#!/usr/bin/env python3
"""Print a quality table with the average rank of each generator.

usage: rank.py EVALUATION.json REFERENCE=FILE NAME=FILE [NAME=FILE ...]

EVALUATION.json is the output of `flowchronicle evaluate --format json`.
Each NAME=FILE pair labels the row of one evaluated file; the first pair
is the real reference, printed first and not ranked. The other rows are
ranked per metric: higher is better for Density and Coverage, lower for
CMD, PCD, EMD, JSD and DKC, and for MD the value closest to the
reference's. Ties share the mean of their ranks. The last column is the
mean rank over the eight metrics (1 is best).
"""

import json
import sys

# Metric key in the JSON output, column title, direction.
METRICS = [
    ("density", "Density", "higher"),
    ("cmd", "CMD", "lower"),
    ("pcd", "PCD", "lower"),
    ("emd", "EMD", "lower"),
    ("jsd", "JSD", "lower"),
    ("coverage", "Coverage", "higher"),
    ("dkc", "DKC", "lower"),
    ("md", "MD", "reference"),
]


def ranks(scores):
    """Return the 1-based rank of each score (lower is better), ties
    sharing the mean of their ranks."""
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    result = [0.0] * len(scores)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and scores[order[end + 1]] == scores[order[start]]:
            end += 1
        shared = (start + end) / 2 + 1
        for position in range(start, end + 1):
            result[order[position]] = shared
        start = end + 1
    return result


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__.strip())
    with open(argv[1], encoding="utf-8") as handle:
        evaluation = json.load(handle)
    by_file = {entry["synthetic"]: entry["metrics"] for entry in evaluation}

    rows = []
    for pair in argv[2:]:
        name, sep, path = pair.partition("=")
        if not sep:
            sys.exit(f"error: invalid argument {pair!r}: expected NAME=FILE")
        if path not in by_file:
            known = ", ".join(sorted(by_file))
            sys.exit(f"error: {path} is not in {argv[1]} (evaluated files: {known})")
        means = {key: by_file[path][key]["mean"] for key, _, _ in METRICS}
        rows.append((name, means))

    reference = rows[0][1]
    generators = rows[1:]
    metric_ranks = []
    for key, _, direction in METRICS:
        values = [means[key] for _, means in generators]
        if direction == "higher":
            scores = [-v for v in values]
        elif direction == "lower":
            scores = values
        else:
            scores = [abs(v - reference[key]) for v in values]
        metric_ranks.append(ranks(scores))
    average = [
        sum(r[g] for r in metric_ranks) / len(METRICS) for g in range(len(generators))
    ]

    header = ["generator"] + [title for _, title, _ in METRICS] + ["avg rank"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for index, (name, means) in enumerate(rows):
        cells = [name] + [f"{means[key]:.3f}" for key, _, _ in METRICS]
        cells.append("-" if index == 0 else f"{average[index - 1]:.2f}")
        print("| " + " | ".join(cells) + " |")
    print()
    print("Per-metric ranks (1 is best; MD ranked by distance to the reference's MD):")
    print()
    print("| generator | " + " | ".join(title for _, title, _ in METRICS) + " |")
    print("|" + "---|" * (len(METRICS) + 1))
    for g, (name, _) in enumerate(generators):
        cells = [f"{r[g]:g}" for r in metric_ranks]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv)
