"""A/B of one module-level switch of rnngraph, in one process: is a change faster?

    python benchmarks/ab_switch.py medium fwd compiler.targets.cpu.lower_fused \\
        THREADED_MIN_POINTS 4096 '10**9' [--reps 200] [--rounds 8]

builds the benchmark LSTM (lstm.py's sizes) once with the switch at value A and once at
B, each its own session and compiled program, then times them in alternating rounds
(A B, B A, ...) and prints each round's median and the A/B ratio per round. This shared
machine's speed drifts by 1.2-2x over minutes, so two processes timed one after the
other, or one benchmark run against another, cannot show a 3% difference; adjacent rounds
in one process can. Only a switch read while the program is generated or compiled can be
compared this way (the generated source differs, so each session compiles its own
program); run it both ways round, and run A against A first: at the small and medium sizes
an A/A run stays within 1%, but at the tiny size two sessions of the same program differed
by up to 20% (which one depended on the run: where their arrays lie in memory, not the
code), so tiny cannot be compared this way. The values are Python expressions.
"""
import argparse
import importlib
import statistics

import lstm


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("size", choices=sorted(lstm.SIZES))
    ap.add_argument("mode", choices=["fwd", "train"])
    ap.add_argument("module")
    ap.add_argument("name")
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=8)
    args = ap.parse_args()
    module = importlib.import_module(args.module)
    dims = lstm.SIZES[args.size]
    problem = lstm.make_problem(dims)
    runs = {}
    for label, value in (("A", args.a), ("B", args.b)):
        setattr(module, args.name, eval(value))
        runs[label] = lstm.setup_rnngraph(dims, problem, "cpu", train=args.mode == "train")
        for _ in range(3):
            runs[label]()
    medians = {"A": [], "B": []}
    for r in range(args.rounds):  # one round of lstm.time_interleaved each, A B then B A
        order = ("A", "B") if r % 2 == 0 else ("B", "A")
        timed, _ = lstm.time_interleaved({label: runs[label] for label in order}, 0, warmup=1,
                                         rounds=1, min_reps=args.reps, max_reps=args.reps)
        for label in order:
            medians[label].append(timed[label]["median_ms"])
    for label, value in (("A", args.a), ("B", args.b)):
        print("%s (%s = %s) ms: %s" % (label, args.name, value,
                                        " ".join("%.3f" % m for m in medians[label])))
    ratios = [a / b for a, b in zip(medians["A"], medians["B"])]
    print("A/B per round: %s; median %.3f (above 1: B is faster)"
          % (" ".join("%.3f" % x for x in ratios), statistics.median(ratios)))


if __name__ == "__main__":
    main()
