"""LSTM forward-pass benchmark: rnngraph vs TF1 (tf.compat.v1 graph mode) vs PyTorch, on CPU.

Every framework runs the same LSTM (tf.nn.dynamic_rnn over tf.nn.rnn_cell.LSTMCell, or
torch.nn.LSTM) with the same weights and inputs, on 2 threads, and fetches the outputs
[batch, time, hidden]. Prints median milliseconds per forward pass (warm-up excluded) and
the ratios TF1/ours and torch/ours (above 1: rnngraph is faster), a sanity line comparing
the outputs, rnngraph's cold and warm start in fresh subprocesses, and the effect of
parallel_iterations. See benchmarks/README.md for the environment.

    python benchmarks/lstm.py [--sizes tiny,small,medium,large] [--target cpu]
                              [--frameworks rnngraph,tf1,torch] [--json out.json]
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # TF 2.21's tf.nn.rnn_cell needs tf_keras
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

SIZES = {  # name: (batch, time, input, hidden)
    "tiny": (1, 100, 32, 64),
    "small": (16, 100, 64, 128),
    "medium": (32, 100, 128, 256),
    "large": (128, 100, 256, 512),
}
FRAMEWORKS = ("rnngraph", "tf1", "torch")
THREADS = 2
TOLERANCE = 1e-4
PARALLEL_ITERATIONS = (1, 10, 100)
SETTLE_S = 0.05  # idle time before each framework's turn (see time_interleaved)


# --- inputs and weights -------------------------------------------------------------------
def make_problem(dims, seed=0):
    """Inputs and TF1-layout LSTMCell weights: kernel [input+hidden, 4*hidden] with gate
    blocks i, j, f, o (Glorot-uniform, as TF initializes it) and a small random bias."""
    batch, steps, n_in, n_hidden = dims
    rng = np.random.default_rng(seed)
    limit = np.sqrt(6.0 / (n_in + n_hidden + 4 * n_hidden))
    return {
        "x": rng.standard_normal((batch, steps, n_in)).astype(np.float32),
        "kernel": rng.uniform(-limit, limit, (n_in + n_hidden, 4 * n_hidden)).astype(np.float32),
        "bias": rng.uniform(-0.1, 0.1, 4 * n_hidden).astype(np.float32),
    }


def short_name(variable):
    """"rnn/lstm_cell/kernel:0" -> "kernel"."""
    return variable.name.split("/")[-1].split(":")[0]


def load_tf_style_weights(variables, problem, session):
    """Load kernel/bias into a TF1-style graph's LSTMCell variables by name."""
    for v in variables:
        v.load(problem[short_name(v)], session)


def torch_layout(kernel, bias, n_in, forget_bias=1.0):
    """TF LSTMCell kernel [in+h, 4h] and bias [4h] -> torch nn.LSTM's weight_ih [4h, in],
    weight_hh [4h, h] and bias_ih [4h] (torch's bias_hh stays zero). TF's gate blocks are
    i, j(=g), f, o (columns); torch's are i, f, g, o (rows). TF adds forget_bias to f in the
    cell. Linear but for that shift: with forget_bias=0 it maps TF-layout gradients too."""
    i, j, f, o = np.split(kernel, 4, axis=1)
    kernel = np.concatenate([i, f, j, o], axis=1)
    bi, bj, bf, bo = np.split(bias, 4)
    return (np.ascontiguousarray(kernel[:n_in].T), np.ascontiguousarray(kernel[n_in:].T),
            np.concatenate([bi, bf + forget_bias, bj, bo]))


# --- one setup function per framework: each returns run() -> outputs [B, T, H], or with
# train=True (loss = sum of the outputs) the gradients of all variables by name: TF's
# {"kernel", "bias"} for rnngraph and TF1, torch's parameter names for torch ---------------
def setup_rnngraph(dims, problem, target, parallel_iterations=None, train=False,
                   swap_memory=False):
    import rnngraph as rg
    graph = rg.Graph()
    with graph.as_default():
        x = rg.placeholder(rg.float32, problem["x"].shape, name="x")
        cell = rg.nn.rnn_cell.LSTMCell(dims[3])
        outputs, _ = rg.nn.dynamic_rnn(cell, x, dtype=rg.float32,
                                       parallel_iterations=parallel_iterations,
                                       swap_memory=swap_memory)
        init = rg.global_variables_initializer()
        variables = rg.global_variables()
        if train:
            outputs = dict(zip(map(short_name, variables),
                               rg.gradients(rg.reduce_sum(outputs), variables)))
    sess = rg.Session(target=target, graph=graph,
                      config=rg.ConfigProto(intra_op_parallelism_threads=THREADS))
    sess.run(init)
    load_tf_style_weights(variables, problem, sess)
    feed = {x: problem["x"]}

    def run():
        return sess.run(outputs, feed)
    run.lower = lambda: sess.lower(outputs, feed)
    return run


def setup_tf1(dims, problem, train=False):
    import tensorflow.compat.v1 as tf
    tf.get_logger().setLevel("ERROR")
    tf.disable_v2_behavior()
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, problem["x"].shape, name="x")
        with warnings.catch_warnings():  # "LSTMCell is deprecated"
            warnings.simplefilter("ignore")
            cell = tf.nn.rnn_cell.LSTMCell(dims[3])
        outputs, _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        init = tf.global_variables_initializer()
        variables = tf.global_variables()
        if train:
            outputs = dict(zip(map(short_name, variables),
                               tf.gradients(tf.reduce_sum(outputs), variables)))
    config = tf.ConfigProto(intra_op_parallelism_threads=THREADS, inter_op_parallelism_threads=1)
    sess = tf.Session(graph=graph, config=config)
    sess.run(init)
    load_tf_style_weights(variables, problem, sess)
    feed = {x: problem["x"]}
    return lambda: sess.run(outputs, feed)


def setup_torch(dims, problem, train=False):
    import torch
    torch.set_num_threads(THREADS)
    n_in, n_hidden = dims[2], dims[3]
    w_ih, w_hh, b_ih = torch_layout(problem["kernel"], problem["bias"], n_in)
    lstm = torch.nn.LSTM(n_in, n_hidden, batch_first=True)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.from_numpy(w_ih))
        lstm.weight_hh_l0.copy_(torch.from_numpy(w_hh))
        lstm.bias_ih_l0.copy_(torch.from_numpy(b_ih))
        lstm.bias_hh_l0.zero_()
    lstm.eval()
    x = torch.from_numpy(problem["x"])
    if train:
        lstm.train()

        def step():
            lstm.zero_grad()  # set_to_none, as optimizer.zero_grad() in a training loop
            lstm(x)[0].sum().backward()
            return {name: p.grad.numpy() for name, p in lstm.named_parameters()}
        return step

    def run():
        with torch.inference_mode():
            return lstm(x)[0].numpy()
    return run


# --- timing -------------------------------------------------------------------------------
def cpu_snapshot():
    """(busy, total) seconds of all CPUs (Linux /proc/stat, None elsewhere) and this
    process's CPU seconds (all its threads)."""
    try:
        with open("/proc/stat") as fh:
            ticks = [int(t) for t in fh.readline().split()[1:]]
        hz = os.sysconf("SC_CLK_TCK")
        machine = ((sum(ticks) - ticks[3] - ticks[4]) / hz, sum(ticks) / hz)
    except (OSError, ValueError):
        machine = None
    return machine, time.process_time()


def others_busy(before, after):
    """Fraction of the machine's CPU time other processes used between two snapshots: on
    this 2-core machine, another process holding a core makes 2-thread timings unreliable."""
    if before[0] is None or after[0] is None or after[0][1] <= before[0][1]:
        return None
    others = (after[0][0] - before[0][0]) - (after[1] - before[1])
    return round(max(0.0, others / (after[0][1] - before[0][1])), 2)


def time_interleaved(fns, budget_s, warmup=2, rounds=10, min_reps=3, max_reps=200):
    """Time each of `fns` (name -> function): `warmup` untimed calls, then repetitions
    adapted to about budget_s each (at least min_reps), spread over `rounds` rounds that
    visit every function in turn, so that a slow phase of this shared machine hits them all
    alike. Before each function's turn in a round, the machine settles (SETTLE_S idle, so
    the worker threads the previous framework left spinning go to sleep) and the function
    runs once untimed: each framework is timed as if it ran alone, not against another's
    spinning threads (measured: up to 1.5x on the large size).
    Returns name -> {median_ms, min_ms, reps, others_busy}, and name -> last result."""
    results, estimate = {}, {}
    for name, fn in fns.items():
        for _ in range(warmup):
            t0 = time.perf_counter()
            results[name] = fn()
            estimate[name] = time.perf_counter() - t0
    reps = {n: int(min(max_reps, max(min_reps, budget_s / max(estimate[n], 1e-6))))
            for n in fns}
    times, before = {n: [] for n in fns}, cpu_snapshot()
    for r in range(rounds):
        for name, fn in fns.items():
            if len(fns) > 1:
                time.sleep(SETTLE_S)
                fn()
            for _ in range(reps[name] * (r + 1) // rounds - reps[name] * r // rounds):
                t0 = time.perf_counter()
                results[name] = fn()
                times[name].append((time.perf_counter() - t0) * 1e3)
    busy = others_busy(before, cpu_snapshot())
    return {n: {"median_ms": statistics.median(t), "min_ms": min(t), "reps": len(t),
                "others_busy": busy} for n, t in times.items()}, results


def resolve_target(target):
    """`target` if rnngraph's Session accepts it, else "reference" (with a printed note)."""
    import rnngraph as rg
    try:
        rg.Session(target=target, graph=rg.Graph()).close()
        return target
    except Exception as e:  # noqa: BLE001  (any rejection means: not available yet)
        print("note: Session(target=%r) rejected (%s: %s); using target='reference'"
              % (target, type(e).__name__, e))
        return "reference"


def peak_memory(run):
    """sess.lower(...).memory_analysis() where it exists, else "n/a"."""
    lowered = run.lower()
    if not hasattr(lowered, "memory_analysis"):
        return "n/a"
    analysis = lowered.memory_analysis()
    if isinstance(analysis, (int, float)):
        return analysis
    peak = analysis.get("peak_bytes") if isinstance(analysis, dict) else getattr(
        analysis, "peak_bytes", None)
    return peak if peak is not None else str(analysis)


# --- start-up: cold (empty RNNGRAPH_CACHE_DIR) and warm (same dir again) --------------------
def startup_child(size, target):
    """Runs in a fresh subprocess: build, initialize, first sess.run; prints one JSON line."""
    import rnngraph as rg
    dims = SIZES[size]
    t0 = time.perf_counter()
    run = setup_rnngraph(dims, make_problem(dims), target)
    t1 = time.perf_counter()
    run()
    t2 = time.perf_counter()
    print(json.dumps({"first_result_at": time.time(), "setup_s": t1 - t0,
                      "first_run_s": t2 - t1, "target": target, "rnngraph": rg.__version__}))


def measure_startup(size, target):
    cache_dir = tempfile.mkdtemp(prefix="rnngraph-bench-cache-")
    env = dict(os.environ, RNNGRAPH_CACHE_DIR=cache_dir)
    # Python's own bytecode cache on, as on a user's machine: without it every fresh process
    # compiles the source of every module it imports (0.1-0.2 s of a warm start here)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    out = {"size": size, "cache_dir": cache_dir}
    for phase in ("cold", "warm"):
        launched = time.time()
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--startup-child",
                               "--sizes", size, "--target", target],
                              env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            out[phase] = {"error": proc.stderr.strip().splitlines()[-1:]}
            continue
        child = json.loads(proc.stdout.strip().splitlines()[-1])
        out[phase] = {"process_start_to_first_result_s": child["first_result_at"] - launched,
                      "first_sess_run_s": child["first_run_s"], "target": child["target"]}
    return out


# --- main ---------------------------------------------------------------------------------
def environment(frameworks):
    env = {"python": platform.python_version(), "numpy": np.__version__,
           "cpus": os.cpu_count()}
    for fw, module in (("rnngraph", "rnngraph"), ("tf1", "tensorflow"), ("torch", "torch")):
        if fw in frameworks:
            env[module] = __import__(module).__version__
    if "rnngraph" in frameworks:
        # rnngraph's compiled runs tune glibc's malloc for the whole process; tune it before
        # anything is timed, so that every framework runs with the same malloc.
        from runtime.allocator import keep_freed_memory
        env["malloc"] = "kept-freed-memory" if keep_freed_memory() else "default"
    return env


BUSY = 0.1  # a measurement during which other processes used more is marked "*"


def fmt(r):
    """A measurement's median ms, marked "*" if other processes were busy meanwhile."""
    ms = r["median_ms"]
    return ("%.3g" % ms if ms < 10 else "%.1f" % ms) + (
        "*" if (r["others_busy"] or 0) > BUSY else "")


def fmt_bytes(n):
    if not isinstance(n, (int, float)):
        return n
    return next("%.3g %s" % (n / 1024 ** k, unit) for k, unit in
                ((3, "GiB"), (2, "MiB"), (1, "KiB"), (0, "B")) if n >= 1024 ** k or k == 0)


def max_abs_difference(fw, result, base, base_result, dims):
    return float(np.max(np.abs(result - base_result)))


def run_table(sizes, frameworks, target, budget, report, train=False,
              compare=max_abs_difference, compared="max |difference| of outputs"):
    """The main table: per size, every framework with the same weights and inputs; with
    train=True forward+backward (the setups' train mode). The sanity line gives
    compare(framework, result, first framework, its result, dims) per framework."""
    setups = {"rnngraph": lambda dims, problem: setup_rnngraph(dims, problem, target,
                                                               train=train),
              "tf1": lambda dims, problem: setup_tf1(dims, problem, train=train),
              "torch": lambda dims, problem: setup_torch(dims, problem, train=train)}
    others = [f for f in frameworks if f != "rnngraph"] if "rnngraph" in frameworks else []
    print("%-7s %-20s" % ("size", "(B, T, in, hidden)")
          + "".join("%11s" % f for f in frameworks)
          + "".join("%12s" % (f + "/ours") for f in others) + "   reps")
    for size in sizes:
        dims, problem = SIZES[size], make_problem(SIZES[size])
        ms, outputs = time_interleaved({fw: setups[fw](dims, problem) for fw in frameworks},
                                       budget)
        ratios = {f: ms[f]["median_ms"] / ms["rnngraph"]["median_ms"] for f in others}
        print("%-7s %-20s" % (size, dims)
              + "".join("%11s" % fmt(ms[f]) for f in frameworks)
              + "".join("%12.3g" % ratios[f] for f in others)
              + "   " + "/".join(str(ms[f]["reps"]) for f in frameworks))
        base = frameworks[0]
        report["results"][size] = {"ms": ms, "ratios_vs_rnngraph": ratios}
        report["sanity"][size] = {"%s-%s" % (f, base): compare(f, outputs[f], base,
                                                               outputs[base], dims)
                                  for f in frameworks[1:]}
    print("sanity (%s, tolerance %g):" % (compared, TOLERANCE))
    for size, diffs in report["sanity"].items():
        print("  %-7s %s" % (size, "  ".join(
            "%s %.2g %s" % (k, v, "ok" if v <= TOLERANCE else "MISMATCH")
            for k, v in diffs.items()) or "(one framework: nothing to compare)"))


def run_startup(size, target, report):
    print("rnngraph start-up, size %s, fresh subprocesses sharing RNNGRAPH_CACHE_DIR:" % size)
    report["startup"] = startup = measure_startup(size, target)
    for phase in ("cold", "warm"):
        s = startup[phase]
        print("  %-4s " % phase + (
            "failed: %s" % s["error"] if "error" in s else
            "process start -> first result %.2f s, first sess.run %.3f s"
            % (s["process_start_to_first_result_s"], s["first_sess_run_s"])))


def run_parallel_iterations(sizes, target, budget, report):
    print("rnngraph parallel_iterations (median ms; peak memory from "
          "sess.lower(...).memory_analysis()):")
    report["parallel_iterations"] = {}
    for size in sizes:
        dims, problem = SIZES[size], make_problem(SIZES[size])
        runs = {pi: setup_rnngraph(dims, problem, target, parallel_iterations=pi)
                for pi in PARALLEL_ITERATIONS}
        row = time_interleaved(runs, budget)[0]
        for pi, run in runs.items():
            row[pi]["peak_memory"] = peak_memory(run)
        report["parallel_iterations"][size] = row
        print("  %-7s " % size + "  ".join(
            "pi=%-3d %8s ms (peak %s)" % (pi, fmt(r), fmt_bytes(r["peak_memory"]))
            for pi, r in row.items()))


def argument_parser(description):
    """The options every LSTM benchmark takes (sizes, target, frameworks, budget, json)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--sizes", default="tiny,small,medium,large",
                   help="comma-separated subset of " + ",".join(SIZES))
    p.add_argument("--target", default="cpu", help="rnngraph Session target (default cpu; "
                   "falls back to reference while cpu is not available)")
    p.add_argument("--frameworks", default=",".join(FRAMEWORKS),
                   help="comma-separated subset of " + ",".join(FRAMEWORKS))
    p.add_argument("--budget", type=float, default=3.0,
                   help="seconds of timed repetitions per measurement (default 3)")
    p.add_argument("--json", help="write the measurements to this path")
    return p


def chosen_sizes_and_frameworks(p, args):
    """--sizes and --frameworks as lists, unknown names rejected through the parser."""
    sizes = args.sizes.split(",") if args.sizes else []
    frameworks = args.frameworks.split(",")
    for chosen, known in ((sizes, SIZES), (frameworks, FRAMEWORKS)):
        unknown = [n for n in chosen if n not in known]
        if unknown:
            p.error("unknown %s (choose from %s)" % (", ".join(unknown), ", ".join(known)))
    return sizes, frameworks


def main():
    p = argument_parser(__doc__.splitlines()[0])
    p.add_argument("--startup-child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    sizes, frameworks = chosen_sizes_and_frameworks(p, args)
    if args.startup_child:
        return startup_child(sizes[0], resolve_target(args.target))

    ours = "rnngraph" in frameworks
    target = resolve_target(args.target) if ours else None
    report = {"environment": environment(frameworks), "threads": THREADS, "target": target,
              "sizes": {s: SIZES[s] for s in sizes}, "results": {}, "sanity": {}}
    print("LSTM forward, median ms (warm-up excluded), %d threads, rnngraph target=%s"
          % (THREADS, target))
    print(" ".join("%s %s" % kv for kv in report["environment"].items()))
    run_table(sizes, frameworks, target, args.budget, report)
    if ours:
        run_startup(sizes[0], target, report)
        run_parallel_iterations(sizes, target, args.budget, report)
    busy = [r["others_busy"] or 0 for size in report["results"].values()
            for r in size["ms"].values()]
    busy += [r["others_busy"] or 0 for row in report.get("parallel_iterations", {}).values()
             for r in row.values()]
    finish(report, busy, args.json)


def finish(report, busy, json_path):
    """Print how busy the machine was during the timings (fractions per measurement) and
    write the report as JSON when asked."""
    if busy:
        print("other processes used up to %d%% of the CPUs during the measurements; * marks "
              "over %d%%: unreliable, 2 OpenMP/BLAS threads can slow down 100x when a core is "
              "taken" % (100 * max(busy), 100 * BUSY))
    if json_path:
        with open(json_path, "w") as fh:
            json.dump(report, fh, indent=1, default=str)
        print("wrote", json_path)


if __name__ == "__main__":
    main()
