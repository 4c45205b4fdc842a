"""Stage 3, optimize: rewrite a Function (compiler/ir.py) into an equivalent, smaller one.

Passes, each a plain function, applied to the program and every nested body:
- forward: Identity/StopGradient without control dependencies become their input
  (a variable reference stays a reference: compiled code reads variable buffers in place);
- cse: pure nodes with the same type, inputs and attributes are computed once;
- transpose folding: MatMul of a 2-D Transpose flips the MatMul's transpose flag;
- dce: only nodes the outputs (and Session targets) need, through data and control edges.
Constants were folded by `specialize` (compiler/specialize.py); they reach here as Values
with `const` set and no producing node.
"""
import numpy as np

from rnngraph.framework.func_graph import FuncGraph


def optimize(fn):
    """Optimize `fn` and its nested bodies in place; returns fn."""
    for node in fn.nodes:
        for body in node.bodies.values():
            optimize(body)
    replace = {}
    forward_identities(fn, replace)
    fold_transposes_into_matmul(fn, replace)
    cse(fn, replace)
    dce(fn)
    return fn


def _resolve(v, replace):
    while v in replace:
        v = replace[v]
    return v


def _rewrite_inputs(fn, replace):
    for node in fn.nodes:
        node.inputs = [_resolve(v, replace) for v in node.inputs]
    fn.outputs = [_resolve(v, replace) for v in fn.outputs]


def forward_identities(fn, replace):
    for node in fn.nodes:
        if node.type in ("Identity", "StopGradient") and not node.control:
            replace[node.outputs[0]] = _resolve(node.inputs[0], replace)
    _rewrite_inputs(fn, replace)


def fold_transposes_into_matmul(fn, replace):
    """MatMul(Transpose(a, perm=(1, 0)), b) reads a transposed instead of copying it."""
    for node in fn.nodes:
        if node.type != "MatMul":
            continue
        attrs = dict(node.attrs)
        for i, flag in ((0, "transpose_a"), (1, "transpose_b")):
            src = node.inputs[i].node
            if src is not None and src.type == "Transpose" and tuple(src.attrs["perm"]) == (1, 0) \
                    and not src.control:
                node.inputs[i] = src.inputs[0]
                attrs[flag] = not attrs.get(flag, False)
        node.attrs = attrs


def _attr_key(value):
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, FuncGraph):
        return ("func", id(value))
    if isinstance(value, (list, tuple)):
        return tuple(_attr_key(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _attr_key(v)) for k, v in value.items()))
    return repr(value)


def cse(fn, replace):
    seen = {}
    for node in fn.nodes:
        node.inputs = [_resolve(v, replace) for v in node.inputs]
        if node.prim.stateful or node.bodies or node.control:
            continue
        key = (node.type, tuple(v.id for v in node.inputs), _attr_key(node.attrs))
        first = seen.get(key)
        if first is None:
            seen[key] = node
            continue
        for mine, theirs in zip(node.outputs, first.outputs):
            replace[mine] = theirs
    _rewrite_inputs(fn, replace)


def dce(fn):
    """Keep the nodes the outputs and targets need (data and control edges)."""
    live = set()
    work = [v.node for v in fn.outputs if v.node is not None] + list(fn.targets)
    while work:
        node = work.pop()
        if node.id in live:
            continue
        live.add(node.id)
        work.extend(v.node for v in node.inputs if v.node is not None)
        work.extend(node.control)
    fn.nodes = [n for n in fn.nodes if n.id in live]
    for node in fn.nodes:
        node.control = [c for c in node.control if c.id in live]
