"""The compiler's own program form: Functions of Nodes over Values.

The user's graph is never rewritten. `from_lowered` copies a Lowered program into this
form — one Function for the run (arguments: the feeds), with a nested Function for every
While/Cond body, each specialized to the specs its caller passes in — and the optimizing
passes (compiler/optimize.py), fusion and code generation work on it.

A Value is an SSA value with a TensorSpec; `const` holds its NumPy value when it is known
at compile time, `rows` the value every row of it holds when that is known (a saved-value
stack of a loop whose body computes a constant, compiler/specialize.py). A Node applies a primitive (`prim`, `attrs` from the source op, `op` kept
for error messages) to input Values; `control` lists Nodes that must run first; `bodies`
holds the nested Functions of control-flow nodes.
"""
import itertools

from rnngraph.framework.func_graph import FuncGraph

_ids = itertools.count()


class Value:
    __slots__ = ("spec", "node", "index", "name", "const", "rows", "id")

    def __init__(self, spec, node=None, index=0, name=None, const=None, rows=None):
        self.spec = spec
        self.node = node
        self.index = index
        self.name = name
        self.const = const
        self.rows = rows
        self.id = next(_ids)

    @property
    def dtype(self):
        return self.spec.dtype

    @property
    def shape(self):
        return self.spec.shape

    def __repr__(self):
        return "%%%s" % self.name


class Node:
    __slots__ = ("prim", "type", "inputs", "outputs", "attrs", "op", "control", "bodies", "id")

    def __init__(self, op, inputs, output_specs, attrs=None, bodies=None):
        self.op = op
        self.prim = op.primitive
        self.type = op.type
        self.attrs = op.attrs if attrs is None else attrs
        self.inputs = list(inputs)
        self.outputs = [Value(s, self, i, "%s:%d" % (op.name, i)) for i, s in enumerate(output_specs)]
        self.control = []
        self.bodies = bodies or {}
        self.id = next(_ids)

    @property
    def name(self):
        return self.op.name

    def __repr__(self):
        return "<Node %s %s>" % (self.type, self.op.name)


class Function:
    """A straight-line list of nodes from `args` to `outputs` (nested bodies inside nodes)."""

    def __init__(self, name, args, nodes, outputs, targets=()):
        self.name = name
        self.args = args
        self.nodes = nodes
        self.outputs = outputs
        self.targets = list(targets)   # nodes run for their effects (Session targets)

    def readers(self):
        """Value id -> the nodes reading it (None for each time it is an output); the
        passes that rewrite a value only when they see all of its uses ask this."""
        readers = {}
        for node in self.nodes:
            for v in node.inputs:
                readers.setdefault(v.id, []).append(node)
        for v in self.outputs:
            readers.setdefault(v.id, []).append(None)
        return readers

    def walk(self):
        """Every node, including those of nested bodies (pre-order)."""
        for node in self.nodes:
            yield node
            for body in node.bodies.values():
                yield from body.walk()


def from_lowered(lowered):
    """The run's program as a Function: args = feeds, outputs = fetches."""
    values = {}
    args = []
    for t in lowered.feeds:
        v = Value(lowered.specs[t], name=t.name)
        values[t] = v
        args.append(v)
    nodes = _convert(lowered.ops, lowered.specs, lowered.constants, lowered.rows, values,
                     _used(lowered.ops, lowered.fetches))
    outputs = [values[t] for t in lowered.fetches]
    targets = [n for n in nodes if n.op in set(lowered.targets)]
    return Function("program", args, nodes, outputs, targets)


def _convert(ops, specs, constants, rows, values, used):
    """Nodes for `ops` (in order), filling `values` (Tensor -> Value); `used` is what the
    scope reads or returns."""
    nodes = []
    by_op = {}
    for op in ops:
        if op.outputs and all(t in constants for t in op.outputs) and op.primitive.foldable \
                and not op.control_inputs and not any(_reads_variable(op, t) for t in op.inputs):
            # (folding must not drop an ordering constraint or a read that can fail)
            for t in op.outputs:
                values[t] = Value(specs[t], name=t.name, const=constants[t])
            continue
        ins = [values[t] for t in op.inputs]
        attrs = _without_unused_saves(op, used)
        bodies = {k: _convert_body(v, op, ins, attrs, [specs[t] for t in op.outputs])
                  for k, v in op.attrs.items() if isinstance(v, FuncGraph)}
        node = Node(op, ins, [specs[t] for t in op.outputs[:_n_outputs(op, attrs)]],
                    attrs=attrs, bodies=bodies)
        node.control = [by_op[c] for c in op.control_inputs if c in by_op]
        by_op[op] = node
        for t, v in zip(op.outputs, node.outputs):
            v.rows = rows.get(t)
            values[t] = v
            if op.type == "Cond" and t in constants:  # a saved value known to be constant
                values[t] = Value(specs[t], name=t.name, const=constants[t])
        nodes.append(node)
    return nodes


def _without_unused_saves(op, used):
    """A While/Cond's attrs, without the values the gradient saves (attrs['saved']) when
    this program uses none of them: a forward-only run does not pay for saving."""
    if op.attrs.get("saved") is None:
        return op.attrs
    if any(t in used for t in op.outputs[len(op.attrs["output_specs"]):]):
        return op.attrs
    attrs = dict(op.attrs)
    del attrs["saved"]
    return attrs


def _n_outputs(op, attrs):
    """How many outputs the node has with these attrs (the saved ones come last)."""
    if op.type not in ("While", "Cond"):
        return len(op.outputs)
    from rnngraph.primitives.control_flow import saved_specs
    return len(op.attrs["output_specs"]) + len(saved_specs(op.type, attrs))


def _used(ops, outputs):
    """Tensors read by `ops` or returned: what a scope needs."""
    used = set(outputs)
    for op in ops:
        used.update(op.inputs)
    return used


def _saved_of(graph, op, attrs):
    """The tensors of body `graph` that `op` saves for its gradient (extra body outputs)."""
    saved = attrs.get("saved") or []
    if op.type == "While":
        return list(saved) if graph is attrs["body"] else []
    return [t for branch, t in saved if attrs[branch] is graph]


def _reads_variable(op, tensor):
    """Whether `op` reads a variable through this input (a read of an uninitialized
    variable fails, so it is never folded away)."""
    if op.inputs.index(tensor) in op.primitive.ref_inputs:
        return False
    while tensor.op.type == "Identity":
        tensor = tensor.op.inputs[0]
    return tensor.op.type == "VariableV2"


def _convert_body(graph, op, ins, attrs, out_specs):
    """A While/Cond body as a Function, specialized to the specs its caller passes (for a
    While's loop variables, the loop's fixed point that specialize found); its outputs are
    the body's, then the values saved for the gradient."""
    from .specialize import specialize_body, while_entry_specs
    if op.type == "While":
        n = op.attrs["n_vars"]
        n_cond = len(op.attrs["cond"].captures)
        caps = ins[n:n + n_cond] if graph is op.attrs["cond"] else ins[n + n_cond:]
        arg_specs = while_entry_specs([v.spec for v in ins[:n]], out_specs[:n]) + [v.spec for v in caps]
    else:
        n_then = len(op.attrs["then_branch"].captures)
        caps = ins[1:1 + n_then] if graph is op.attrs["then_branch"] else ins[1 + n_then:]
        arg_specs = [v.spec for v in caps]
    unknown = [None] * (len(arg_specs) - len(caps))
    arg_consts = unknown + [v.const for v in caps]
    arg_rows = unknown + [v.rows for v in caps]
    outputs = list(graph.outputs) + _saved_of(graph, op, attrs)
    ops, specs, constants, rows = specialize_body(graph, arg_specs, arg_consts, arg_rows, outputs)
    values = {}
    args = []
    for t, spec, const, row in zip(graph.inputs, arg_specs, arg_consts, arg_rows):
        v = Value(spec, name=t.name, const=const, rows=row)
        values[t] = v
        args.append(v)
    nodes = _convert(ops, specs, constants, rows, values, _used(ops, outputs))
    return Function(graph.name, args, nodes, [values[t] for t in outputs])
