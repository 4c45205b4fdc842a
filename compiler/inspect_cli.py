"""rnngraph-inspect: run a user's TF1-style script and print what its Session runs.

    rnngraph-inspect [--target cpu] [--show program,memory,cost,source] [--limit N]
                     script.py [script args...]

Every time the script's Session builds a new executable (a new fetch/feed signature), the
lowered program, its memory and cost analyses and the generated source are printed (what
--show selects), up to --limit programs. Equivalent to `python -m compiler.inspect_cli`.
"""
import argparse
import os
import runpy
import sys

SHOWS = ("program", "memory", "cost", "source")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="rnngraph-inspect", description=__doc__.split("\n")[0])
    parser.add_argument("--target", default=None, help="Session target for the script "
                        "(sets RNNGRAPH_TARGET; default: the script's own)")
    parser.add_argument("--show", default="program,memory,cost",
                        help="comma-separated: %s" % ", ".join(SHOWS))
    parser.add_argument("--limit", type=int, default=3, help="programs to print (default 3)")
    parser.add_argument("script")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    opts = parser.parse_args(argv)
    shows = [s.strip() for s in opts.show.split(",") if s.strip()]
    for s in shows:
        if s not in SHOWS:
            parser.error("unknown --show item %r (choose from %s)" % (s, ", ".join(SHOWS)))
    if opts.target:
        os.environ["RNNGRAPH_TARGET"] = opts.target
    from runtime import session
    printed = []

    def hook(sess, lowered, executable):
        if len(printed) >= opts.limit:
            return
        printed.append(lowered)
        out = sys.stdout
        out.write("=== program %d (target %s) ===\n" % (len(printed), sess.target))
        if "program" in shows:
            out.write(lowered.as_text() + "\n")
        if "memory" in shows:
            out.write("--- memory ---\n%s\n" % lowered.memory_analysis(sess.target))
        if "cost" in shows:
            out.write("--- cost ---\n%s\n" % lowered.cost_analysis())
        if "source" in shows:
            out.write("--- source ---\n%s\n" % executable.source())
    session.COMPILE_HOOKS.append(hook)
    sys.argv = [opts.script] + opts.args
    try:
        runpy.run_path(opts.script, run_name="__main__")
    finally:
        session.COMPILE_HOOKS.remove(hook)
    return 0


if __name__ == "__main__":
    sys.exit(main())
