"""TF1's two-level random seeds: a graph-level seed (`tf.set_random_seed`) combined with
an optional per-op seed into the (seed, seed2) attributes of every random op.

Why two levels: setting only the graph seed makes a whole program repeatable while each
random op still draws a different stream (its op seed defaults to a number unique to it
in the graph); setting an op seed pins that one op. The rules, exactly as TF1's
random_seed.get_seed:

  graph seed  op seed   ->  (seed, seed2)
  set         set           (graph, op)
  set         None          (graph, graph._last_id)   # ops created so far: unique per op
  None        set           (DEFAULT_GRAPH_SEED, op)
  None        None          (None, None)              # nondeterministic: attrs (0, 0)

Seeds are reduced modulo 2**31 - 1, and the pair (0, 0) -- which the kernels read as "not
seeded" -- becomes (0, 2**31 - 1) so an explicit zero seed stays deterministic. The
session turns attrs (0, 0) into a fresh OS-drawn key per op and session.
"""
from ..framework.graph import get_default_graph

__all__ = ["get_seed", "set_random_seed"]

DEFAULT_GRAPH_SEED = 87654321
_MAXINT32 = 2 ** 31 - 1


def _truncate_seed(seed):
    return int(seed) % _MAXINT32


def get_seed(op_seed):
    """The (seed, seed2) pair a random op should use, from the default graph's seed and
    `op_seed` (an int or None). (None, None) means "not seeded"."""
    graph = get_default_graph()
    if graph.seed is not None:
        if op_seed is None:
            op_seed = graph._last_id
        seeds = _truncate_seed(graph.seed), _truncate_seed(op_seed)
    elif op_seed is not None:
        seeds = DEFAULT_GRAPH_SEED, _truncate_seed(op_seed)
    else:
        seeds = None, None
    if seeds == (0, 0):
        return 0, _MAXINT32
    return seeds


def op_seed_attrs(op_seed):
    """The `seed`/`seed2` attrs of a random op for `op_seed` (unseeded -> 0, 0)."""
    seed, seed2 = get_seed(op_seed)
    return {"seed": seed or 0, "seed2": seed2 or 0}


def set_random_seed(seed):
    """Set the graph-level seed of the default graph (tf.set_random_seed).

    Only random ops created afterwards are affected, as in TF1.
    """
    get_default_graph().seed = seed
