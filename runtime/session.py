"""Session: runs fetches of a graph on a target, holding variable state (TF1's tf.Session).

`run(fetches, feed_dict)` resolves fetches and feeds, then lowers the graph for that
(fetches, feed signature) through the compiler's stages, compiles it for the session's
target once, caches the executable and runs it. A program without loops runs on the
reference interpreter the first time and is compiled when it runs again (tiering.py).
`lower(...)` returns the same Lowered program without running it, for inspection.

`run` is safe to call from several threads at once: compilation is serialized per
session, execution is not, and variable updates are atomic per variable.
"""
import os
import threading
import warnings

import compiler
from compiler.targets import TARGETS
from rnngraph.framework import graph as graph_mod
from rnngraph.framework import session_context
from rnngraph.framework.primitive import TensorSpec
from rnngraph.framework.tensor_shape import TensorShape

from .feeds import normalize_feeds
from .fetches import FetchPlan
from .run_signature import feeds_pass_unchanged, run_signature
from .state import SessionState
from .allocator import keep_freed_memory, keep_interpreter_memory
from .threads import use_threads
from .tiering import TieredExecutable, has_loop, interpret_first

# Called as hook(session, lowered, executable) whenever a session builds a new executable
# (the inspection command-line tool prints programs this way).
COMPILE_HOOKS = []


def default_target():
    """The target of Session() without one: $RNNGRAPH_TARGET, else "cpu" (compiled)."""
    return os.environ.get("RNNGRAPH_TARGET") or "cpu"


class TargetFallbackWarning(UserWarning):
    """A graph the session's compiled target cannot lower ran on the reference target."""


def _compile_or_fall_back(lowered, target):
    """lowered.compile(target); where a compiled target lacks a feature the graph uses
    (NotImplementedError naming it), the reference interpreter runs it instead, with a
    TargetFallbackWarning naming the feature, so every graph keeps running."""
    try:
        return lowered.compile(target)
    except NotImplementedError as e:
        if target == "reference":
            raise
        warnings.warn("rnngraph: the %s target cannot compile this graph (%s); it runs on the "
                      "reference interpreter instead" % (target, e), TargetFallbackWarning,
                      stacklevel=4)
        return lowered.compile("reference")


class ConfigProto:
    """Session options (TF1's tf.ConfigProto). Keyword fields are kept as attributes;
    intra_op_parallelism_threads is used by compiled targets (0 = all cores)."""

    def __init__(self, **kwargs):
        self.intra_op_parallelism_threads = 0
        self.inter_op_parallelism_threads = 0
        self.allow_soft_placement = False
        self.log_device_placement = False
        self.device_count = {}
        self.gpu_options = None
        for k, v in kwargs.items():
            setattr(self, k, v)


class Session:
    """A TF1 Session on `graph` (default: the default graph) for `target`.

    target: "cpu" (compiled with Numba, the default) or "reference" (the NumPy interpreter,
    the oracle); "" or None picks the default (default_target()).
    """

    def __init__(self, target="", graph=None, config=None):
        self.graph = graph if graph is not None else graph_mod.get_default_graph()
        self.target = self._resolve_target(target)
        self.config = config if config is not None else ConfigProto()
        self._state = SessionState()
        self._executables = {}
        self._prepared = {}  # run_signature -> (FetchPlan, executable)
        self._compile_lock = threading.Lock()
        self._closed = False
        self._context_stack = []

    @staticmethod
    def _resolve_target(target):
        if target in ("", None):
            target = default_target()
        if target not in TARGETS:
            raise ValueError("Unknown Session target %r; available targets: %s"
                             % (target, ", ".join(sorted(TARGETS))))
        return target

    # --- running -------------------------------------------------------------------------
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Evaluate `fetches` (a Tensor, Operation, name, or nested list/tuple/dict/
        namedtuple of them) with `feed_dict` values substituted; returns the same structure."""
        self._check_open()
        signature = run_signature(fetches, feed_dict)
        prepared = self._prepared.get(signature) if signature is not None else None
        if prepared is None:
            plan = FetchPlan(self.graph, fetches)
            feeds = normalize_feeds(self.graph, feed_dict)
            executable = self._executable(plan, feeds)
            if signature is not None and feeds_pass_unchanged(feed_dict, feeds):
                self._prepared[signature] = plan, executable
            feed_values = [v for _, v in feeds]
        else:  # the same call as before: its feeds were checked then (run_signature.py)
            plan, executable = prepared
            feed_values = list(feed_dict.values()) if feed_dict else []
        if self.target != "reference":
            use_threads(self.config.intra_op_parallelism_threads)
            keep_freed_memory(executable.peak_bytes)
        return plan.build(executable.run(feed_values, self._state))

    def lower(self, fetches, feed_dict=None):
        """The Lowered program `run(fetches, feed_dict)` would execute (nothing runs)."""
        plan = FetchPlan(self.graph, fetches)
        return self._lower(plan, normalize_feeds(self.graph, feed_dict))

    def _lower(self, plan, feeds):
        feed_specs = {t: TensorSpec(t.dtype, TensorShape(v.shape)) for t, v in feeds}
        return compiler.lower(self.graph, plan.tensors, plan.ops, feed_specs)

    def _executable(self, plan, feeds):
        key = (tuple(plan.tensors), tuple(plan.ops),
               tuple((t, v.shape) for t, v in feeds))
        exe = self._executables.get(key)
        if exe is None:
            with self._compile_lock:
                exe = self._executables.get(key)
                if exe is None:
                    if self.target != "reference":
                        keep_interpreter_memory()  # before Numba compiles (allocator.py)
                    lowered = self._lower(plan, feeds)
                    if self.target != "reference" and interpret_first() and not has_loop(lowered.ops):
                        exe = TieredExecutable(lowered, lambda: self._compile(lowered))
                    else:
                        exe = _compile_or_fall_back(lowered, self.target)
                    self._executables[key] = exe
                    for hook in COMPILE_HOOKS:
                        hook(self, lowered, exe)
        return exe

    def _compile(self, lowered):
        """A tiered program's compilation on its second run (serialized like the first)."""
        with self._compile_lock:
            return _compile_or_fall_back(lowered, self.target)

    def make_callable(self, fetches, feed_list=None):
        """A function running `fetches` with positional feed values (TF1 make_callable)."""
        feed_list = list(feed_list or [])

        def call(*values):
            if len(values) != len(feed_list):
                raise TypeError("Expected %d feed values, got %d" % (len(feed_list), len(values)))
            return self.run(fetches, dict(zip(feed_list, values)))
        return call

    # --- lifetime and default session ---------------------------------------------------
    def _check_open(self):
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")

    def close(self):
        self._closed = True
        self._state.variables.clear()
        self._executables.clear()
        self._prepared.clear()

    def as_default(self):
        return session_context.default_session(self)

    @property
    def sess_str(self):
        return self.target

    def list_devices(self):
        return []

    def __enter__(self):
        graph_cm = self.graph.as_default()
        sess_cm = self.as_default()
        graph_cm.__enter__()
        sess_cm.__enter__()
        self._context_stack.append((graph_cm, sess_cm))
        return self

    def __exit__(self, exc_type, exc, tb):
        graph_cm, sess_cm = self._context_stack.pop()
        sess_cm.__exit__(exc_type, exc, tb)
        graph_cm.__exit__(exc_type, exc, tb)
        self.close()
        return False


class InteractiveSession(Session):
    """A Session that installs itself (and its graph) as the default on creation."""

    def __init__(self, target="", graph=None, config=None):
        super().__init__(target, graph, config)
        self._graph_cm = self.graph.as_default()
        self._sess_cm = self.as_default()
        self._graph_cm.__enter__()
        self._sess_cm.__enter__()

    def close(self):
        if not self._closed:
            self._sess_cm.__exit__(None, None, None)
            self._graph_cm.__exit__(None, None, None)
        super().close()


get_default_session = session_context.get_default_session
