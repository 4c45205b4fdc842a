"""A perf map of the generated code: `perf report` names Numba-compiled functions.

Linux `perf` resolves samples in JIT-compiled code through /tmp/perf-<pid>.map ("start
size name" per line). With $RNNGRAPH_PERF_MAP=1 the cpu target rewrites that file after
each program's machine code loads, listing every function Numba's JIT engine has defined
in this process (programs, outlined loops, kernels, the panel products). Sizes are the
gaps between neighbouring addresses, as the engine keeps no sizes. That is how the
serial parts of a training step were found (pack_panels 3%, elementwise loops 4%, ...).

It reads Numba internals (the JIT engine's `_defined_symbols`); where they differ it
writes nothing.
"""
import os

MAX_SIZE = 1 << 18  # the last function's size, and a cap on gaps (bytes)


def enabled():
    return os.environ.get("RNNGRAPH_PERF_MAP", "0") not in ("", "0")


def write_perf_map(path=None):
    """Write the map (default /tmp/perf-<pid>.map); returns the number of functions, or 0
    where Numba's internals are not as expected."""
    try:
        from numba.core.registry import cpu_target
        engine = cpu_target.target_context.codegen()._engine
        names = list(engine._defined_symbols)
    except (AttributeError, ImportError):
        return 0
    symbols = {}
    for name in names:
        address = engine.get_function_address(name)
        if address:
            symbols.setdefault(address, name)
    addresses = sorted(symbols)
    with open(path or "/tmp/perf-%d.map" % os.getpid(), "w") as f:
        for a, b in zip(addresses, addresses[1:] + [addresses[-1] + MAX_SIZE] if addresses else []):
            f.write("%x %x %s\n" % (a, min(b - a, MAX_SIZE), symbols[a].replace(" ", "_")))
    return len(addresses)
