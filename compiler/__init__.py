"""Graph -> executable, in printable stages: prune -> specialize -> (targets) compile.

`lower(graph, fetches, targets, feed_specs)` returns a Lowered program; its `compile(target)`
gives an Executable. Every Session.run goes through exactly this path.
"""
from .lowered import Lowered
from .prune import prune
from .specialize import specialize


def lower(graph, fetches, targets=(), feed_specs=None):
    """Prune and specialize the graph for these fetched tensors, target ops and feeds.

    feed_specs: dict Tensor -> TensorSpec of the values this run feeds (concrete shapes).
    """
    feed_specs = dict(feed_specs or {})
    ops = prune(fetches, targets, feed_specs)
    specs, constants, rows = specialize(ops, feed_specs)
    return Lowered(graph, ops, list(feed_specs), list(fetches), list(targets), specs, constants, rows)


__all__ = ["lower", "Lowered", "prune", "specialize"]
