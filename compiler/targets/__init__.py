"""Compilation targets, by name. A target module has `compile(lowered) -> Executable`,
where an Executable has `run(feed_values, state) -> list of fetched arrays`, `source()` and
`peak_bytes` (the temporaries its runs allocate at most, for runtime/allocator.py; 0 where
the target does not plan them)."""
import importlib

TARGETS = {"reference": "compiler.targets.reference", "cpu": "compiler.targets.cpu"}


def get_target(name):
    if name not in TARGETS:
        raise ValueError("Unknown target %r; available targets: %s" % (name, ", ".join(sorted(TARGETS))))
    return importlib.import_module(TARGETS[name])
