#!/usr/bin/env python3
"""Where the bytes of a WASM module are: code size grouped by what the function symbols name.

Usage: scripts/wasm-size.py target/front/wasm32-unknown-unknown/wasm-release/frontend.wasm

Reads the code section and the `name` section (present in the module cargo writes, before
wasm-bindgen and wasm-opt strip it). Used for BENCHMARKS.md, P5.
"""
import collections
import sys

# First match wins: (label, substrings of a v0-mangled Rust symbol).
GROUPS = [
    ("hydrate_async instances", ["hydrate_async"]),
    ("hydrate instances", ["hydrate"]),
    ("serde_json", ["serde_json"]),
    ("serde_qs", ["serde_qs"]),
    ("tachys (renderer)", ["tachys"]),
    ("reactive_graph", ["reactive_graph"]),
    ("leptos_router", ["leptos_router"]),
    ("server_fn", ["server_fn"]),
    ("wasm-bindgen / web-sys", ["wasm_bindgen", "js_sys", "web_sys"]),
    ("formatting", ["fmt"]),
    ("allocator", ["dlmalloc"]),
    ("std", ["std"]),
]
APP_MODULES = [
    ("orders pages", "pages6orders"), ("checkout page", "pages8checkout"), ("products page", "pages8products"),
    ("cart page", "pages4cart"), ("auth pages", "pages4auth"), ("staff page", "pages5staff"),
    ("components", "10components"), ("account API", "3api7account"), ("orders API", "3api6orders"),
    ("checkout API", "3api8checkout"), ("catalog API", "3api7catalog"), ("live state", "5state4live"),
    ("toasts", "5state5toast"), ("cart state", "5state4cart"), ("theme", "5state5theme"),
]


def leb(b, i):
    result = shift = 0
    while True:
        x = b[i]
        i += 1
        result |= (x & 0x7F) << shift
        shift += 7
        if x < 0x80:
            return result, i


def read_module(data):
    """(sizes of function bodies, {function index: name}, number of imported functions)."""
    i, imported, bodies, names = 8, 0, [], {}
    while i < len(data):
        section = data[i]
        size, i = leb(data, i + 1)
        end = i + size
        if section == 2:  # imports: count the functions among them
            n, j = leb(data, i)
            for _ in range(n):
                for _ in range(2):
                    length, j = leb(data, j)
                    j += length
                kind = data[j]
                j += 1
                if kind == 0:
                    _, j = leb(data, j)
                    imported += 1
                elif kind == 1:
                    flags = data[j + 1]
                    _, j = leb(data, j + 2)
                    if flags & 1:
                        _, j = leb(data, j)
                elif kind == 2:
                    flags = data[j]
                    _, j = leb(data, j + 1)
                    if flags & 1:
                        _, j = leb(data, j)
                elif kind == 3:
                    j += 2
                else:
                    _, j = leb(data, j + 1)
        elif section == 10:  # code
            n, j = leb(data, i)
            for _ in range(n):
                length, k = leb(data, j)
                bodies.append(length + (k - j))
                j = k + length
        elif section == 0:  # custom: the name section
            length, j = leb(data, i)
            if data[j:j + length] == b"name":
                j += length
                while j < end:
                    sub = data[j]
                    sub_len, j = leb(data, j + 1)
                    sub_end = j + sub_len
                    if sub == 1:
                        n, j = leb(data, j)
                        for _ in range(n):
                            index, j = leb(data, j)
                            length, j = leb(data, j)
                            names[index] = data[j:j + length].decode("utf8", "replace")
                            j += length
                    j = sub_end
        i = end
    return bodies, names, imported


def main():
    bodies, names, imported = read_module(open(sys.argv[1], "rb").read())
    total = sum(bodies)
    if not names:
        sys.exit("no name section: use the module cargo wrote, before wasm-bindgen/wasm-opt")
    groups, modules = collections.Counter(), collections.Counter()
    for k, size in enumerate(bodies):
        name = names.get(k + imported, "")
        groups[next((label for label, keys in GROUPS if any(s in name for s in keys)), "other")] += size
        for label, key in APP_MODULES:
            if key in name:
                modules[label] += size
                break
    print(f"code: {total:,} bytes in {len(bodies):,} functions")
    for label, size in groups.most_common():
        print(f"{size:>10,}  {100 * size / total:5.1f} %  {label}")
    print("naming an app module:")
    for label, size in modules.most_common():
        print(f"{size:>10,}  {100 * size / total:5.1f} %  {label}")


if __name__ == "__main__":
    main()
