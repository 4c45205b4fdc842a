"""LSTM forward+backward benchmark: rnngraph vs TF1 (tf.compat.v1 graph mode) vs PyTorch, on CPU.

One train step without the update: loss = sum of the LSTM outputs, then the gradients of all
variables (kernel and bias; torch: weight_ih/weight_hh/bias_ih/bias_hh). rnngraph and TF1 run
tf.gradients(loss, variables) over dynamic_rnn + LSTMCell and fetch the gradients; torch runs
nn.LSTM, out.sum().backward() and reads the .grad (zeroed before each step). Same weights and
inputs, 2 threads each. Prints median milliseconds per step, the ratios TF1/ours and
torch/ours (above 1: rnngraph is faster), a sanity line comparing the gradients (in torch's
layout), and a long-sequence memory part: one step at T=10,000, rnngraph's
memory_analysis() with swap_memory False and True, and the peak RSS of the step measured in
fresh subprocesses per framework. Reuses benchmarks/lstm.py; see benchmarks/README.md.

    python benchmarks/lstm_train.py [--sizes tiny,small,medium,large] [--target cpu]
                                    [--frameworks rnngraph,tf1,torch] [--budget 3]
                                    [--json out.json] [--skip-long] [--long-time 10000]
                                    [--long-timeout 300]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# lstm sets TF_USE_LEGACY_KERAS and TF_CPP_MIN_LOG_LEVEL before anything imports TF
from lstm import (FRAMEWORKS, SIZES, THREADS, TOLERANCE, argument_parser,  # noqa: E402
                  chosen_sizes_and_frameworks, environment, finish,
                  fmt_bytes, make_problem, peak_memory, resolve_target, run_table,
                  setup_rnngraph, setup_tf1, setup_torch, torch_layout)

import numpy as np  # noqa: E402

LONG = (16, 10000, 64, 256)  # (batch, time, input, hidden) of the long-sequence step
# (--long-time changes its time, for a quick check of the machinery)
SAME = 0.05  # measured step peaks within 5% of each other count as "the same"


# --- gradients in one layout ----------------------------------------------------------------
def in_torch_layout(grads, n_in):
    """A framework's gradients by torch parameter name: TF's {kernel, bias} are mapped by
    lstm.torch_layout (linear, forget_bias=0); torch's bias_hh gets the same gradient as
    bias_ih (both are added to the gates)."""
    if "kernel" not in grads:
        return grads
    w_ih, w_hh, b = torch_layout(grads["kernel"], grads["bias"], n_in, forget_bias=0.0)
    return {"weight_ih_l0": w_ih, "weight_hh_l0": w_hh, "bias_ih_l0": b, "bias_hh_l0": b}


def gradient_difference(fw, grads, base, base_grads, dims):
    """Largest |difference| between two frameworks' gradients, per tensor relative to that
    tensor's largest |gradient| (they grow with batch x time), the worst tensor."""
    a, b = in_torch_layout(grads, dims[2]), in_torch_layout(base_grads, dims[2])
    return max(float(np.max(np.abs(a[k] - b[k])) / max(np.max(np.abs(b[k])), 1e-30))
               for k in b)


# --- the long-sequence step: memory --------------------------------------------------------
def _proc_status_kib(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(field)


def rss_bytes():
    return _proc_status_kib("VmRSS") * 1024


def reset_peak_rss():
    """Reset this process's peak RSS (VmHWM), Linux >= 4.0; False where it cannot."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def peak_rss_bytes():
    """Peak RSS since the last reset_peak_rss() (else of the whole process)."""
    try:
        return _proc_status_kib("VmHWM") * 1024
    except OSError:
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def long_child(fw, dims, target, swap_memory, out_path):
    """Runs in a fresh subprocess: build the long-sequence step, run it twice (the first
    includes compilation and lazy initialization), measuring the peak RSS of each step; saves
    the gradients to out_path and prints one JSON line."""
    problem = make_problem(dims)
    t0 = time.perf_counter()
    step = {"rnngraph": lambda: setup_rnngraph(dims, problem, target, train=True,
                                               swap_memory=swap_memory),
            "tf1": lambda: setup_tf1(dims, problem, train=True),
            "torch": lambda: setup_torch(dims, problem, train=True)}[fw]()
    out = {"setup_s": time.perf_counter() - t0, "rss_after_setup": rss_bytes()}
    for phase in ("first", "second"):
        before, resettable = rss_bytes(), reset_peak_rss()
        t0 = time.perf_counter()
        grads = step()
        out[phase] = {"s": time.perf_counter() - t0, "rss_before": before,
                      "peak_rss": peak_rss_bytes(), "peak_reset": resettable,
                      "rss_after": rss_bytes()}
    np.savez(out_path, **in_torch_layout(grads, dims[2]))
    print(json.dumps(out))


def measure_long(fw, dims, target, swap_memory, timeout, workdir):
    out_path = os.path.join(workdir, "%s-swap%d.npz" % (fw, swap_memory))
    cmd = [sys.executable, os.path.abspath(__file__), "--long-child", fw, "--target",
           str(target), "--long-time", str(dims[1]), "--long-out", out_path] + (
               ["--swap"] if swap_memory else [])
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"skipped": "took over %d s (--long-timeout)" % timeout}
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["exit %d" % proc.returncode])[-1]}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["grads"] = dict(np.load(out_path))
    warnings = [line for line in proc.stderr.splitlines() if "Warning" in line]
    if warnings:
        result["warnings"] = warnings
    return result


def memory_analysis_of(run):
    """The properties and text of sess.lower(...).memory_analysis() (where they exist)."""
    analysis = run.lower().memory_analysis()
    return {"peak_bytes": getattr(analysis, "peak_bytes", None),
            **{p: getattr(analysis, p, "n/a") for p in
               ("saved_activation_bytes", "device_peak_without_swap", "device_peak_with_swap")},
            "text": str(analysis)}


def run_long(frameworks, dims, target, timeout, report):
    print("long sequence %s (B, T, in, hidden), one step (forward+backward, gradients of the "
          "variables):" % (dims,))
    long = report["long"] = {"dims": dims, "memory_analysis": {}, "measured": {}}
    variants = [("rnngraph", False), ("rnngraph", True)] if "rnngraph" in frameworks else []
    variants += [(fw, False) for fw in frameworks if fw != "rnngraph"]
    if "rnngraph" in frameworks:
        problem = make_problem(dims)
        for swap in (False, True):
            a = long["memory_analysis"]["swap_memory=%s" % swap] = memory_analysis_of(
                setup_rnngraph(dims, problem, target, train=True, swap_memory=swap))
            print("  rnngraph sess.lower(...).memory_analysis(), swap_memory=%s: peak_bytes %s, "
                  "saved_activation_bytes %s, device_peak_without_swap %s, "
                  "device_peak_with_swap %s" % (swap, *(fmt_bytes(a[k]) for k in (
                      "peak_bytes", "saved_activation_bytes", "device_peak_without_swap",
                      "device_peak_with_swap"))))
        print("  its text (swap_memory=True):\n" + "\n".join(
            "    " + line for line in a["text"].splitlines()))
    print("  peak RSS of the step, measured in a fresh process per row: the second step (the "
          "first compiles and initializes; what it leaves allocated counts in +over setup, "
          "not in +over before the step), limit %d s each:" % timeout)
    workdir = tempfile.mkdtemp(prefix="rnngraph-bench-long-")
    measured = long["measured"]
    for fw, swap in variants:
        name = fw + (" swap_memory=%s" % swap if fw == "rnngraph" else "")
        r = measured[name] = measure_long(fw, dims, target, swap, timeout, workdir)
        if "skipped" in r or "error" in r:
            print("  %-28s %s: %s" % (name, "skipped" if "skipped" in r else "failed",
                                      r.get("skipped") or r.get("error")))
            continue
        s, f = r["second"], r["first"]
        s["over_setup_bytes"] = s["peak_rss"] - r["rss_after_setup"]
        s["step_bytes"] = s["peak_rss"] - s["rss_before"]
        print("  %-28s peak RSS %s: +%s over the process after setup, +%s over just before the "
              "step; step %.2f s (first %.2f s, peak RSS %s)%s"
              % (name, fmt_bytes(s["peak_rss"]), fmt_bytes(s["over_setup_bytes"]),
                 fmt_bytes(s["step_bytes"]), s["s"], f["s"], fmt_bytes(f["peak_rss"]),
                 "" if s["peak_reset"] else " (peak RSS could not be reset: it is the whole "
                 "process's)"))
        for w in r.get("warnings", []):
            print("    " + w)
    off, on = (measured.get("rnngraph swap_memory=%s" % s, {}) for s in (False, True))
    if "second" in off and "second" in on:
        a, b = off["second"]["step_bytes"], on["second"]["step_bytes"]
        analyses = long["memory_analysis"].values()
        same_analysis = len({(x["peak_bytes"], x["saved_activation_bytes"]) for x in analyses}) == 1
        same = abs(a - b) <= SAME * max(a, b, 1) and same_analysis
        long["swap_memory_same"] = same
        print("  rnngraph swap_memory=True vs False on the %s target: %s" % (target, (
            "the same (host memory only, nothing to swap): memory_analysis identical, "
            "measured step peaks %s vs %s" % (fmt_bytes(a), fmt_bytes(b))) if same else (
            "DIFFERENT: measured step peaks %s vs %s, memory_analysis %s"
            % (fmt_bytes(a), fmt_bytes(b), "identical" if same_analysis else "differs"))))
    grads = {n: r.pop("grads") for n, r in measured.items() if "grads" in r}
    if len(grads) > 1:
        base = next(iter(grads))
        long["sanity"] = {"%s-%s" % (n, base): gradient_difference(
            n, g, base, grads[base], dims) for n, g in grads.items() if n != base}
        print("  sanity (max |difference| of gradients / max |gradient| per tensor, tolerance "
              "%g): %s" % (TOLERANCE, "  ".join("%s %.2g %s" % (k, v, "ok" if v <= TOLERANCE
                                                                 else "MISMATCH")
                                                for k, v in long["sanity"].items())))


# --- main ---------------------------------------------------------------------------------
def step_memory(sizes, target, report):
    """rnngraph's memory_analysis() of the step per size (lstm.peak_memory: no run)."""
    report["memory_analysis"] = {}
    print("rnngraph step, peak memory from sess.lower(...).memory_analysis():")
    for size in sizes:
        dims = SIZES[size]
        run = setup_rnngraph(dims, make_problem(dims), target, train=True)
        report["memory_analysis"][size] = peak = peak_memory(run)
        print("  %-7s %s" % (size, fmt_bytes(peak)))


def main():
    p = argument_parser(__doc__.splitlines()[0])
    p.add_argument("--skip-long", action="store_true",
                   help="skip the long-sequence (T=%d) memory part" % LONG[1])
    p.add_argument("--long-time", type=int, default=LONG[1],
                   help="sequence length of the long-sequence part (default %d)" % LONG[1])
    p.add_argument("--long-timeout", type=int, default=300,
                   help="seconds per framework in the long-sequence part before it is "
                   "skipped (default 300)")
    p.add_argument("--long-child", choices=FRAMEWORKS, help=argparse.SUPPRESS)
    p.add_argument("--long-out", help=argparse.SUPPRESS)
    p.add_argument("--swap", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    sizes, frameworks = chosen_sizes_and_frameworks(p, args)
    long_dims = (LONG[0], args.long_time) + LONG[2:]
    if args.long_child:
        return long_child(args.long_child, long_dims, args.target, args.swap, args.long_out)

    ours = "rnngraph" in frameworks
    target = resolve_target(args.target) if ours else None
    report = {"environment": environment(frameworks), "threads": THREADS, "target": target,
              "sizes": {s: SIZES[s] for s in sizes}, "results": {}, "sanity": {}}
    print("LSTM forward+backward (loss = sum of the outputs, gradients of all variables), "
          "median ms (warm-up excluded), %d threads, rnngraph target=%s" % (THREADS, target))
    print(" ".join("%s %s" % kv for kv in report["environment"].items()))
    if sizes:
        run_table(sizes, frameworks, target, args.budget, report, train=True,
                  compare=gradient_difference,
                  compared="max |difference| of gradients / max |gradient| per tensor")
        if ours:
            step_memory(sizes, target, report)
    if not args.skip_long:
        run_long(frameworks, long_dims, target, args.long_timeout, report)
    busy = [r["others_busy"] or 0 for size in report["results"].values()
            for r in size["ms"].values()]
    finish(report, busy, args.json)


if __name__ == "__main__":
    main()
