"""Prints the table of tests/bench/run from its results.jsonl (one JSON object a line)."""

import json
import statistics
import sys


def load(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                rows.append(json.loads(line))
    return rows


def fmt(x, unit="s"):
    if x is None:
        return "-"
    if unit == "s":
        return f"{x * 1000:.1f} ms" if x < 1 else f"{x:.2f} s"
    return f"{x:.0f} MiB"


def main(path):
    rows = load(path)
    out = []

    def row(what, figure, target="", note=""):
        out.append((what, figure, target, note))

    for r in rows:
        b = r.get("bench")
        if b == "full_plan":
            target = {100000: "<= 0.2 s", 1000000: "<= 2 s, < 1 GiB"}.get(r["users"], "")
            row(f"full plan, {r['users']:,} users", fmt(r["seconds"]), target,
                f"median of {r.get('runs', 1)}; hash {fmt(r.get('hash_seconds'))}; "
                f"peak RSS {fmt(r['peak_rss_mib'], 'm')} (inputs {fmt(r['input_rss_mib'], 'm')}), "
                f"{r['actions']:,} actions")
        elif b == "delta_plan":
            target = "<= 50 ms" if r["users"] == 1000000 and r["changes"] == 100 else ""
            row(f"delta plan, {r['changes']} changes vs {r['users']:,}", fmt(r["seconds"]), target,
                f"median of {r.get('runs', 1)}; "
                f"index build {fmt(r['index_build_seconds'])} (once, kept between runs), "
                f"+{fmt(r['planning_extra_mib'], 'm')}")
        elif b == "listing_summary":
            row(f"list {r['users']:,} users, OktaSource ({r['server']})", fmt(r["source_median_s"]),
                "<= 1.3x bare",
                f"bare loop {fmt(r['bare_median_s'])}, ratio {r['ratio']:.2f}x, "
                f"user pages {r['source_user_pages']} (expected {r['expected_user_pages']}, "
                f"{'exact' if r['user_pages_exact'] else 'NOT exact'}), "
                f"{r['bytes_decoded']:,} bytes decoded, heap: snapshot "
                f"{fmt(r['heap_snapshot_mib'], 'm')} + {fmt(r['heap_beyond_snapshot_mib'], 'm')} "
                f"working, RSS +{fmt(r['rss_growth_mib'], 'm')}")
        elif b == "throttled_listing":
            res, bounds = r["result"], r["bounds"]
            row(f"list {r['users']:,}, {r['delay_ms']} ms/page, {r['limit']}/{r['window_s']} s x {r['share']}",
                fmt(res["seconds"]), "<= 1.1x max bound",
                f"latency {bounds['latency_bound_s']:.1f} s, rate {bounds['rate_bound_s']:.1f} s "
                f"(earliest {bounds['rate_min_s']:.1f} s); ratio {r['ratio_to_larger_bound']:.2f}x "
                f"({r['ratio_to_strict_bound']:.2f}x the strict bound), {res['throttle_waits']} waits")
        elif b in ("engine_full_import", "engine_delta", "engine_delta_fresh_engine_dry_run"):
            phases = ", ".join(f"{k} {v}" for k, v in r["phases_ms"].items())
            row(f"engine {b[7:].replace('_', ' ')}, {r['users']:,} users", fmt(r["seconds"]), "",
                f"{r['actions']:,} actions; phases (ms): {phases}")
        elif b == "assetpanda_writes":
            row("Asset Panda: 100 record updates", f"{r['update_requests']} requests", "20 (1/5)",
                f"{r['requests_per_update']:.2f} per update; {r['creates']} creates took "
                f"{r['create_requests']} requests"
                + (f" ({r['requests_per_create_if_ids_returned']:.2f} per create if the answer "
                   f"carried ids)" if "requests_per_create_if_ids_returned" in r else ""))
        elif b == "plan_offline":
            row(f"Rust plan_offline (JSON in), {r['users']:,} users", fmt(r["seconds"]), "",
                f"decode {fmt(r['decode_seconds'])}, {r['json_bytes'] / 1e6:.0f} MB JSON")
    # The Rust figure runs before and after the bindings; their median is the reference.
    rust_runs = [r["seconds"] for r in rows if r.get("bench") == "plan_offline"]
    rust_offline = statistics.median(rust_runs) if rust_runs else None
    for name in ("python_plan_offline_json", "python_plan_offline", "node_plan_offline"):
        r = next((r for r in rows if r.get("bench") == name), None)
        if r is None:
            continue
        if "skipped" in r:
            row(name.replace("_", " "), "not measured", "<= 1.5x Rust", r["skipped"])
        elif rust_offline:
            row(name.replace("_", " "), fmt(r["seconds"]), "<= 1.5x Rust",
                f"ratio {r['seconds'] / rust_offline:.2f}x")
    bare = next((r["bare_median_s"] for r in rows
                 if r.get("bench") == "listing_summary" and r["server"] == "separate_process"), None)
    for name in ("python_sdk", "node_sdk"):
        mine = [r for r in rows if r.get("bench") == name]
        if mine and not any("seconds" in r for r in mine):
            row(f"{name.replace('_', ' ')} listing", "failed", "", "see tests/bench/out/stderr.log")
        for lists in sorted({r["lists"] for r in mine if "seconds" in r}):
            ok = [r for r in mine if r.get("lists") == lists and "seconds" in r]
            med = statistics.median(r["seconds"] for r in ok)
            note = f"{ok[0]['users']:,} users ({lists}), {len(ok)} runs"
            if bare:
                note += f", {med / bare:.1f}x the bare loop"
            row(f"{name.replace('_', ' ')} listing", fmt(med), "", note)

    widths = [max(len(str(c[i])) for c in out + [("what", "median", "target", "")]) for i in range(3)]
    header = ("what", "figure", "target", "notes")
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths + [0])))
    print("-+-".join("-" * w for w in widths + [5]))
    for r in out:
        print(" | ".join(str(c).ljust(w) for c, w in zip(r, widths + [0])))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/bench/out/results.jsonl")
