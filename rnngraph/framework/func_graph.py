"""FuncGraph: a graph nested inside another, the body of a While or a branch of a Cond.

Control flow is functional (DESIGN.md): `while_loop` and `cond` build their bodies as
FuncGraphs with explicit arguments and outputs, and the While/Cond op in the outer graph
holds them as attributes. When code inside a body uses a tensor of an enclosing graph, the
body *captures* it: it gets an extra argument, and the outer tensor becomes an input of the
control-flow op (through every level of nesting). So a body depends on nothing but its
arguments, which is what lets the compiler lower a whole loop and the gradient code reverse
it.

A FuncGraph shares its outer graph's collections, seed and per-graph singletons (variable
store, variable scopes), so `tf.get_variable` and `tf.trainable_variables()` behave inside a
loop as outside; variables themselves are always created in the outermost graph
(`init_scope`).
"""
import contextlib

from .graph import Graph, get_default_graph


class FuncGraph(Graph):
    """A sub-graph with arguments (Arg ops), captured outer tensors and outputs."""

    def __init__(self, name, outer_graph):
        super().__init__()
        self.name = name
        self.outer_graph = outer_graph
        self.inputs = []      # Arg tensors: the function's explicit arguments, then captures
        self.outputs = []     # tensors of this graph returned to the caller
        self.captures = []    # (outer tensor, inner Arg tensor), in capture order
        self.external_control_inputs = []  # ops of the enclosing graph to run first
        self._capture_map = {}
        self._collections = outer_graph._collections
        self._attached = outer_graph._attached
        self._name_stack = name
        self._names_in_use = {}

    @property
    def seed(self):
        return self.outer_graph.seed

    @seed.setter
    def seed(self, value):
        if value is not None:
            self.outer_graph.seed = value

    @property
    def outermost_graph(self):
        return self.outer_graph.outermost_graph

    def add_arg(self, dtype, shape, name="arg"):
        """A new explicit argument of the function (before any capture)."""
        t = self.create_op("Arg", [], {"dtype": dtype, "shape": shape,
                                       "index": len(self.inputs)}, name).outputs[0]
        self.inputs.append(t)
        return t

    def capture(self, tensor):
        """The inner Arg standing for `tensor` of an enclosing graph (created on first use)."""
        inner = self._capture_map.get(tensor)
        if inner is not None:
            return inner
        source = tensor
        if tensor.graph is not self.outer_graph:
            if not isinstance(self.outer_graph, FuncGraph):
                raise ValueError("Tensor %s is not from this graph or any enclosing graph." % tensor.name)
            source = self.outer_graph.capture(tensor)
        with self.name_scope(None), self.control_dependencies(None):
            inner = self.create_op("Arg", [], {"dtype": source.dtype, "shape": source.shape,
                                               "index": len(self.inputs)},
                                   "capture").outputs[0]
        self.inputs.append(inner)
        self.captures.append((source, inner))
        self._capture_map[tensor] = inner
        return inner

    @property
    def captured_outer_tensors(self):
        """The enclosing graph's tensors this graph captured, in argument order."""
        return [outer for outer, _ in self.captures]

    def _resolve_input(self, tensor, op_name):
        return self.capture(tensor)

    def _external_control_input(self, op):
        """A control dependency on an op of an enclosing graph: it must run before the
        control-flow op that holds this body, so it is recorded for that op."""
        g = self
        while isinstance(g, FuncGraph) and op.graph is not g.outer_graph:
            g = g.outer_graph
        if not isinstance(g, FuncGraph):
            raise ValueError("Control input %s is not from this graph or an enclosing one." % op.name)
        g.external_control_inputs.append(op)

    def is_enclosed_by(self, graph):
        g = self.outer_graph
        while True:
            if g is graph:
                return True
            if not isinstance(g, FuncGraph):
                return False
            g = g.outer_graph


@contextlib.contextmanager
def init_scope():
    """Leave every function body for the outermost graph, keeping the name scope and
    clearing control dependencies (TF1's ops.init_scope). Variables and their initializers
    are created here, so a cell called inside a loop body gets ordinary graph variables."""
    g = get_default_graph()
    outer = g.outermost_graph
    scope = g.get_name_scope()
    with outer.as_default(), outer.name_scope(scope + "/" if scope else None), \
            outer.control_dependencies(None):
        yield


def trace(name, fn, arg_specs, outer_graph=None):
    """Build a FuncGraph named `name` by calling fn(args), where args are new Arg tensors of
    `arg_specs`; returns (graph, whatever fn returned). The caller sets graph.outputs
    with `set_outputs` once it has normalized fn's result."""
    outer = outer_graph if outer_graph is not None else get_default_graph()
    graph = FuncGraph(name, outer)
    with graph.as_default():
        args = [graph.add_arg(s.dtype, s.shape) for s in arg_specs]
        result = fn(args)
    return graph, result


def set_outputs(graph, tensors):
    """Make `tensors` the function's outputs; an output from an enclosing graph is captured
    (so every output is a tensor of `graph`)."""
    graph.outputs = [t if t.graph is graph else graph.capture(t) for t in tensors]
    return graph.outputs
