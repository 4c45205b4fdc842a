"""Stage 3, optimize: rewrite a Function (compiler/ir.py) into an equivalent, smaller one.

Passes, each a plain function, applied to the program and every nested body:
- forward: Identity/StopGradient without control dependencies become their input
  (a variable reference stays a reference: compiled code reads variable buffers in place),
  and so do a Reshape or SumToShape to the shape their input already has (gradients of
  broadcasting ops sum to the input's shape, which specialization usually shows equal);
- cse: pure nodes with the same type, inputs and attributes are computed once;
- transpose folding: MatMul of a 2-D Transpose flips the MatMul's transpose flag;
- slice gradients assembled: a sum of StridedSliceGrads that tile one axis (the gradient of
  an LSTM's or GRU's split gates) becomes one Concat of their gradients, instead of a zero
  tensor per piece and their sum;
- narrowed products (after loop pruning, which removes unread gradients): MatMul(a, b,
  transpose_b) read only by a Slice of a column range computes
  only those columns (`b_rows`: the rows of b the cpu target passes to gemm as a view). The
  backward step of an RNN cell multiplies its gate gradient by the whole kernel and keeps
  the recurrent part; when the input's gradient is not needed, the rest is never computed;
- dce: only nodes the outputs (and Session targets) need, through data and control edges;
- loop pruning (after the others, outermost loops first): a While keeps only the loop
  variables something needs (its used outputs, its condition, or other needed variables),
  the saved-value stacks something reads, and the captured values its bodies still use. So a
  backward loop computes no gradient nobody fetches (e.g. the input's, when only the
  weights' are), and a forward loop saves no value the backward loop no longer reads.
  A Cond keeps only the outputs something reads (never dropping a stateful node with them).
Constants were folded by `specialize` (compiler/specialize.py); they reach here as Values
with `const` set and no producing node.
"""
import numpy as np

from rnngraph.framework.func_graph import FuncGraph
from rnngraph.framework.primitive import lookup
from rnngraph.primitives.shape import strided_index

from .ir import Node


def optimize(fn):
    """Optimize `fn` and its nested bodies in place; returns fn."""
    _simplify(fn)
    prune_loops(fn)
    _narrow(fn)
    return fn


def _narrow(fn):
    """Narrow the products whose other columns loop pruning left unread."""
    for node in fn.nodes:
        for body in node.bodies.values():
            _narrow(body)
    narrow_sliced_products(fn, {})
    dce(fn)


def _simplify(fn):
    for node in fn.nodes:
        for body in node.bodies.values():
            _simplify(body)
    replace = {}
    forward_identities(fn, replace)
    fold_transposes_into_matmul(fn, replace)
    cse(fn, replace)
    assemble_slice_gradients(fn)
    dce(fn)


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
        if node.control:
            continue
        if node.type in ("Identity", "StopGradient") or (
                node.type in ("Reshape", "SumToShape") and _keeps_shape(node)):
            replace[node.outputs[0]] = _resolve(node.inputs[0], replace)
    _rewrite_inputs(fn, replace)


def _keeps_shape(node):
    """Whether a Reshape/SumToShape node's output has its input's shape, known statically."""
    x, out = node.inputs[0], node.outputs[0]
    return x.shape.is_fully_defined() and x.shape == out.shape and x.dtype == out.dtype


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


class _Assembled(Node):
    """The Concat that replaces a sum of tiling StridedSliceGrads (it keeps the sum's
    output Values, so readers are unchanged)."""

    def __init__(self, root, pieces, axis):
        self.op = root.op
        self.prim = lookup("Concat")
        self.type = "Concat"
        self.attrs = {"axis": axis}
        self.inputs = list(pieces)
        self.outputs = root.outputs
        for v in self.outputs:
            v.node = self
        self.control = []
        self.bodies = {}
        self.id = root.id


def assemble_slice_gradients(fn):
    """Add trees whose leaves are StridedSliceGrads of one static shape, tiling one axis with
    unit strides, become Concat(leaf gradients in order, axis)."""
    uses = fn.readers()
    done = set()
    for i in range(len(fn.nodes) - 1, -1, -1):
        root = fn.nodes[i]
        if root.type != "Add" or root.id in done or root.control:
            continue
        leaves, adds = [], []
        if not _add_tree(root, uses, leaves, adds, top=True) or len(leaves) < 2:
            continue
        tiling = _tiling(leaves, root.outputs[0])
        if tiling is None:
            continue
        axis, pieces = tiling
        done.update(a.id for a in adds)
        fn.nodes[i] = _Assembled(root, pieces, axis)


def _add_tree(node, uses, leaves, adds, top=False):
    """Collect the StridedSliceGrad leaves of an Add tree whose inner values are used once."""
    if node is None or node.control or (not top and len(uses.get(node.outputs[0].id, ())) != 1):
        return False
    if node.type == "StridedSliceGrad":
        leaves.append(node)
        return True
    if node.type != "Add" or any(v.shape != node.outputs[0].shape for v in node.inputs):
        return False
    adds.append(node)
    return all(_add_tree(v.node, uses, leaves, adds) for v in node.inputs)


def _tiling(leaves, out):
    """(axis, leaf gradients in axis order) when the leaves' slices tile one axis of `out`."""
    if not out.shape.is_fully_defined():
        return None
    dims = out.shape.as_list()
    spans = []
    for leaf in leaves:
        shape, b, e, s, dy = leaf.inputs
        if any(v.const is None for v in (shape, b, e, s)) or \
                [int(d) for d in shape.const] != dims or leaf.attrs.get("shrink_axis_mask") or \
                leaf.attrs.get("new_axis_mask") or leaf.attrs.get("ellipsis_mask"):
            return None
        index = strided_index([int(x) for x in b.const], [int(x) for x in e.const],
                              [int(x) for x in s.const], leaf.attrs)
        if len(index) > len(dims):
            return None
        ranges = [sl.indices(d) for sl, d in zip(index, dims)] + [(0, d, 1) for d in dims[len(index):]]
        partial = [k for k, (lo, hi, st) in enumerate(ranges) if (lo, hi, st) != (0, dims[k], 1)]
        if len(partial) != 1 or ranges[partial[0]][2] != 1:
            return None
        extent = [hi - lo for lo, hi, _ in ranges]
        if dy.shape.as_list() != extent:
            return None
        spans.append((ranges[partial[0]][0], ranges[partial[0]][1], partial[0], dy))
    spans.sort(key=lambda t: t[0])
    axis = spans[0][2]
    edge = 0
    for lo, hi, k, _ in spans:
        if k != axis or lo != edge:
            return None
        edge = hi
    if edge != dims[axis]:
        return None
    return axis, [dy for _, _, _, dy in spans]


def narrow_sliced_products(fn, replace):
    """MatMul(a, b, transpose_b=True) (2-D, static shapes) whose only reader is a Slice of all
    rows and columns [lo, hi) becomes MatMul(..., b_rows=(lo, hi)) with the slice's output."""
    uses = fn.readers()
    for mm in fn.nodes:
        out = mm.outputs[0] if mm.outputs else None
        if mm.type != "MatMul" or not mm.attrs.get("transpose_b") or "b_rows" in mm.attrs or \
                mm.control or not out.shape.is_fully_defined() or out.shape.ndims != 2 or \
                len(uses.get(out.id, [])) != 1:
            continue
        sl = uses[out.id][0]
        if sl is None or sl.type != "Slice" or sl.control or sl.inputs[1].const is None or \
                sl.inputs[2].const is None:
            continue
        rows, cols = out.shape.as_list()
        (b0, lo), (s0, size) = [int(x) for x in sl.inputs[1].const], [int(x) for x in sl.inputs[2].const]
        hi = cols if size == -1 else lo + size
        if b0 != 0 or s0 not in (-1, rows) or not 0 <= lo < hi <= cols:
            continue
        mm.attrs = dict(mm.attrs, b_rows=(lo, hi))
        out.spec = sl.outputs[0].spec
        replace[sl.outputs[0]] = out
    _rewrite_inputs(fn, replace)


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
    live = _needed_nodes(fn, fn.outputs, fn.targets)
    fn.nodes = [n for n in fn.nodes if n.id in live]
    for node in fn.nodes:
        node.control = [c for c in node.control if c.id in live]


def _used_values(fn):
    """ids of the Values `fn` reads (node inputs) or returns."""
    used = {v.id for v in fn.outputs}
    for node in fn.nodes:
        used.update(v.id for v in node.inputs)
    return used


def _needed_nodes(fn, values, targets=()):
    """ids of the nodes of `fn` that computing `values` (and running `targets`) runs."""
    live = set()
    work = [v.node for v in values if v.node is not None] + list(targets)
    while work:
        node = work.pop()
        if node.id in live:
            continue
        live.add(node.id)
        work.extend(v.node for v in node.inputs if v.node is not None)
        work.extend(node.control)
    return live


def prune_loops(fn):
    """Drop the parts of every While interface nothing needs (see the module docstring),
    outermost first: pruning a loop can leave an inner one's outputs unused."""
    changed = True
    while changed:
        dce(fn)
        used = _used_values(fn)
        changed = False
        for node in fn.nodes:
            if node.type == "While":
                changed |= _prune_while(node, used)
            elif node.type == "Cond":
                changed |= _prune_cond(node, used)
    for node in fn.nodes:
        for body in node.bodies.values():
            prune_loops(body)


def _prune_while(node, used):
    """Prune one While node in place given the ids of the Values its function uses; returns
    whether anything was dropped."""
    n = node.attrs["n_vars"]
    cond, body = node.bodies["cond"], node.bodies["body"]
    n_saved = len(body.outputs) - n
    saving = node.attrs.get("saved") is not None
    keep_saved = [k for k in range(n_saved) if node.outputs[n + 1 + k].id in used]
    keep_trips = saving and (bool(keep_saved) or node.outputs[n].id in used)
    cond_uses = _used_values(cond)
    live = {i for i in range(n) if node.outputs[i].id in used or cond.args[i].id in cond_uses}
    all_nodes = _needed_nodes(body, body.outputs)
    while True:
        wanted = [body.outputs[i] for i in sorted(live)] + [body.outputs[n + k] for k in keep_saved]
        needed = _needed_nodes(body, wanted)
        reads = {v.id for v in wanted} | {v.id for nd in body.nodes if nd.id in needed for v in nd.inputs}
        more = {i for i in range(n) if body.args[i].id in reads}
        if any(nd.prim.stateful for nd in body.nodes if nd.id in all_nodes and nd.id not in needed):
            more = set(range(n))  # never drop a variable whose update has effects
        if more <= live:
            break
        live |= more
    keep = sorted(live)
    if len(keep) == n and len(keep_saved) == n_saved and keep_trips == saving:
        return _prune_captures(node, n, cond_uses, reads)
    body.outputs = [body.outputs[i] for i in keep] + [body.outputs[n + k] for k in keep_saved]
    body.args = [body.args[i] for i in keep] + body.args[n:]
    cond.args = [cond.args[i] for i in keep] + cond.args[n:]
    extra = ([node.outputs[n]] + [node.outputs[n + 1 + k] for k in keep_saved]) if keep_trips else []
    node.outputs = [node.outputs[i] for i in keep] + extra
    for i, v in enumerate(node.outputs):
        v.index = i
    node.inputs = [node.inputs[i] for i in keep] + node.inputs[n:]
    attrs = dict(node.attrs, n_vars=len(keep),
                 output_specs=[node.attrs["output_specs"][i] for i in keep])
    if keep_trips:
        attrs["saved"] = [node.attrs["saved"][k] for k in keep_saved]
    else:
        attrs.pop("saved", None)
    node.attrs = attrs
    dce(body)
    _prune_captures(node, len(keep), cond_uses, _used_values(body))
    return True


def _prune_cond(node, used):
    """Drop the outputs of one Cond node that nothing reads (given the ids of the Values its
    function uses), and then the captured inputs neither branch reads; returns whether
    anything was dropped. Mostly values saved for a gradient that needs them no more: one
    that its branch computes as a constant (a shape) reaches the gradient's branch as that
    constant (specialize._cond_specs), so the forward Cond need not return it. A Cond whose
    dropped outputs would take a stateful node with them is left as it is."""
    n = len(node.attrs["output_specs"])
    saved = node.attrs.get("saved") or []
    keep = [i for i, v in enumerate(node.outputs) if v.id in used]
    if len(keep) == len(node.outputs):
        return False
    kept = {}
    for name in ("then_branch", "else_branch"):
        body = node.bodies[name]
        own = [n + k for k, (b, _) in enumerate(saved) if b == name]  # its saved, in order
        of_output = dict(zip(list(range(n)) + own, body.outputs))
        kept[name] = [of_output[i] for i in keep if i in of_output]
        dropped = _needed_nodes(body, body.outputs) - _needed_nodes(body, kept[name])
        if any(nd.prim.stateful for nd in body.nodes if nd.id in dropped):
            return False
    node.outputs = [node.outputs[i] for i in keep]
    for i, v in enumerate(node.outputs):
        v.index = i
    attrs = dict(node.attrs, output_specs=[node.attrs["output_specs"][i] for i in keep if i < n])
    attrs["saved"] = [saved[i - n] for i in keep if i >= n]
    if not attrs["saved"]:
        del attrs["saved"]
    node.attrs = attrs
    inputs = [node.inputs[0]]
    first = 1
    for name in ("then_branch", "else_branch"):
        body = node.bodies[name]
        body.outputs = kept[name]
        dce(body)
        uses = _used_values(body)
        args = [j for j, a in enumerate(body.args) if a.id in uses]
        inputs += [node.inputs[first + j] for j in args]
        first += len(body.args)
        body.args = [body.args[j] for j in args]
    node.inputs = inputs
    return True


def _prune_captures(node, n, cond_uses, body_uses):
    """Drop captured inputs neither body reads; returns whether any was dropped."""
    cond, body = node.bodies["cond"], node.bodies["body"]
    n_cond = len(cond.args) - n
    cond_keep = [j for j in range(n, n + n_cond) if cond.args[j].id in cond_uses]
    body_keep = [j for j in range(n, len(body.args)) if body.args[j].id in body_uses]
    if len(cond_keep) == n_cond and len(body_keep) == len(body.args) - n:
        return False
    node.inputs = node.inputs[:n] + [node.inputs[j] for j in cond_keep] + \
        [node.inputs[n_cond + j] for j in body_keep]
    cond.args = cond.args[:n] + [cond.args[j] for j in cond_keep]
    body.args = body.args[:n] + [body.args[j] for j in body_keep]
    return True
