"""The Lowered program: what a run will execute, printable before it runs.

Modeled on JAX's stages: `lower(...)` gives a Lowered (ops in order, the specialized spec of
every tensor, feeds and fetches) with `as_text()`, `to_networkx()` and `to_dot()`;
`.compile(target)` turns it into an Executable of that target.
"""
from rnngraph.framework import dtypes
from rnngraph.framework.func_graph import FuncGraph

from .prune import prune

_SHORT = {dtypes.float32: "f32", dtypes.float64: "f64", dtypes.int32: "i32",
          dtypes.int64: "i64", dtypes.bool: "bool", dtypes.tensor_array: "tensor_array"}


def spec_text(spec):
    if spec.dtype is dtypes.tensor_array:  # its shape is its elements' shape
        return "tensor_array" if spec.shape.ndims is None else "tensor_array<%s>" % spec.shape.short()
    return "%s%s" % (_SHORT[spec.dtype], spec.shape.short())


class Lowered:
    """A pruned, specialized program for one (fetches, targets, feed signature)."""

    def __init__(self, graph, ops, feeds, fetches, targets, specs, constants, rows=None):
        self.graph = graph
        self.ops = ops              # Operations in execution order
        self.feeds = feeds          # fed Tensors, in the order values are passed
        self.fetches = fetches      # fetched Tensors, in the order results come back
        self.targets = targets      # Operations run for their effects
        self.specs = specs          # Tensor -> TensorSpec (concrete where knowable)
        self.constants = constants  # Tensor -> NumPy value known before running
        self.rows = rows or {}      # Tensor -> the value every row of it holds (specialize.py)

    def compile(self, target="cpu"):
        from .targets import get_target
        return get_target(target).compile(self)

    def optimized(self):
        """The program after the optimize and fuse stages (compiler/ir.py Function), as
        the compiled targets see it."""
        from . import ir
        from .fuse import fuse
        from .optimize import optimize
        return fuse(optimize(ir.from_lowered(self)))

    def memory_analysis(self, target="cpu"):
        """Peak bytes, the buffers live at the peak, per-loop body peaks and swap notes."""
        from .analysis import memory_analysis
        return memory_analysis(self.optimized(), target)

    def cost_analysis(self):
        """Flops and bytes accessed (loops times their constant trip bound)."""
        from .analysis import cost_analysis
        return cost_analysis(self.optimized())

    def as_text(self):
        """One line per op: outputs with dtype and shape, op type, inputs, control inputs."""
        lines = ["program(feeds=[%s]) -> [%s]" % (
            ", ".join("%s: %s" % (t.name, spec_text(self.specs[t])) for t in self.feeds),
            ", ".join(t.name for t in self.fetches) + "".join(
                ", ^%s" % op.name for op in self.targets))]
        _op_lines(self.ops, self.specs, "  ", lines)
        return "\n".join(lines)

    def __str__(self):
        return self.as_text()

    def to_networkx(self):
        """A DiGraph: nodes are op names (attrs type, outputs), edges data and control flow."""
        import networkx as nx  # here, not at module level: its import costs 0.1 s of every start
        g = nx.DiGraph()
        for t in self.feeds:
            g.add_node(t.name, type="Feed", outputs=[spec_text(self.specs[t])])
        for op in self.ops:
            g.add_node(op.name, type=op.type, outputs=[spec_text(self.specs[t]) for t in op.outputs])
            for t in op.inputs:
                src = t.name if t in self.feeds else t.op.name
                g.add_edge(src, op.name, tensor=t.name, kind="data")
            for c in op.control_inputs:
                g.add_edge(c.name, op.name, kind="control")
        return g

    def to_dot(self):
        """Graphviz source of the program (no graphviz needed to produce it)."""
        lines = ["digraph program {", "  rankdir=TB;", "  node [shape=box, fontname=monospace];"]
        g = self.to_networkx()
        for name, data in g.nodes(data=True):
            label = "%s\\n%s\\n%s" % (name, data["type"], " ".join(data["outputs"]))
            lines.append('  "%s" [label="%s"];' % (name, label))
        for a, b, data in g.edges(data=True):
            style = ' [style=dashed]' if data["kind"] == "control" else ""
            lines.append('  "%s" -> "%s"%s;' % (a, b, style))
        lines.append("}")
        return "\n".join(lines)


def _op_lines(ops, specs, indent, lines):
    """Append one line per op; a function body (While/Cond) is listed nested below its op."""
    for op in ops:
        outs = ", ".join("%%%s: %s" % (t.name, spec_text(specs.get(t, t.spec))) for t in op.outputs)
        args = ", ".join("%" + t.name for t in op.inputs)
        ctrl = "".join(" ^%s" % c.name for c in op.control_inputs)
        lines.append("%s%s = %s(%s)%s%s" % (indent, outs or "()", op.type, args, _attr_text(op), ctrl))
        for key, body in sorted((k, v) for k, v in op.attrs.items() if isinstance(v, FuncGraph)):
            lines.append("%s  %s(%s):" % (indent, key, ", ".join(
                "%%%s: %s" % (t.name, spec_text(t.spec)) for t in body.inputs)))
            _op_lines(prune(body.outputs, [], body.inputs), {}, indent + "    ", lines)
            lines.append("%s    return %s" % (indent, ", ".join("%" + t.name for t in body.outputs)))


def _attr_text(op):
    shown = []
    for k, v in sorted(op.attrs.items()):
        if isinstance(v, FuncGraph) or k == "output_specs":
            continue
        if k == "value":
            v = v.tolist() if v.size <= 4 else "<%d elements>" % v.size
        elif isinstance(v, dtypes.DType):
            v = v.name
        shown.append("%s=%s" % (k, v))
    return " {%s}" % ", ".join(shown) if shown else ""
