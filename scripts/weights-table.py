#!/usr/bin/env python3
"""Prints a table of the base weights in generated `weights.rs` files.

For each weight function of the `SubstrateWeight` impl: its base ref-time in microseconds, its
per-component slopes, and its base database reads and writes. Usage:
weights-table.py FILE...
"""
import re
import sys


def functions(text):
    """Yields (name, args, body) of each fn in the first `impl<..> WeightInfo for X<..>` block
    (`WeightsWith<D>`, priced with the database weights `D`)."""
    m = re.search(r"impl<[^{]*WeightInfo for \w+<\w+>\s*\{(.*?)\n\}", text, re.S)
    if not m:
        return
    for fm in re.finditer(r"fn (\w+)\(([^)]*)\) -> Weight \{(.*?)\n\t\}", m.group(1), re.S):
        yield fm.group(1), fm.group(2), fm.group(3)


def num(s):
    return int(s.replace("_", ""))


def main(paths):
    rows = []
    for path in paths:
        text = open(path).read()
        pallet = re.search(r"for `([\w:]+)`", text)
        pallet = pallet.group(1) if pallet else path
        for name, args, body in functions(text):
            base = re.search(r"Weight::from_parts\(([\d_]+),", body)
            base_us = num(base.group(1)) / 1e6 if base else 0.0
            slopes = re.findall(r"Weight::from_parts\(([\d_]+), 0\)\.saturating_mul\((\w+)\.into\(\)\)", body)
            slope = ", ".join(f"+{num(v) / 1e6:.2f}/{c}" for v, c in slopes)
            reads = re.search(r"reads\((\d+)\)\)", body)
            writes = re.search(r"writes\((\d+)\)\)", body)
            rows.append((pallet, name, base_us, slope, reads.group(1) if reads else "0", writes.group(1) if writes else "0"))
    print(f"| pallet | call / hook | base µs | per component µs | reads | writes |")
    print(f"|---|---|---:|---|---:|---:|")
    for p, n, b, s, r, w in rows:
        print(f"| {p} | {n} | {b:.1f} | {s} | {r} | {w} |")


if __name__ == "__main__":
    main(sys.argv[1:])
