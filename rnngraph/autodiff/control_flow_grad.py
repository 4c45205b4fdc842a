"""Gradients of While and Cond: reverse-mode through functional control flow.

While: the forward loop saves what the backward loop needs, one slot per iteration. The
backward loop is a new While that runs the trip count down, and its body is the gradient of
the forward body. When that gradient uses a value of the forward body, `BackwardGraph`
resolves it: a loop-invariant capture is used directly, a constant (or a small value known
while the graph is built, such as a static shape) is copied, and anything else is *saved*:
the forward While gets an extra output stacking that value over iterations
(attrs['saved'], primitives/control_flow.py) and the backward body reads slot
`iterations - 1 - j` of it. Loop-variable gradients are backward loop variables; captured
tensors' gradients are summed over iterations in accumulator loop variables (for a captured
TensorArray, its gradient array collects the pieces).

Cond: the gradient is a Cond on the same predicate whose branches are the gradients of the
forward branches; values of a forward branch are saved as extra Cond outputs the same way
(zeros when the other branch ran, which its gradient branch never reads).
"""
from ..framework import dtypes
from ..framework.constant_folding import constant_value
from ..framework.func_graph import FuncGraph, set_outputs, trace
from ..framework.graph import get_default_graph
from ..framework.primitive import TensorSpec
from ..ops import array_ops
from ..ops.indexed_slices import IndexedSlices
from ..ops.tensor_conversion import constant
from ..primitives.tensor_array import TA_SPEC
from .math_grad import shape_of
from .core import (TensorArrayPiece, aggregate, backprop, carries_gradient,
                   current_gradient_array, dense, zero_gradient_array)
from .registry import gradient

# A forward body's value known while the graph is built (a shape, a folded constant) is
# copied into the gradient body when it has at most this many elements, not saved: saving
# makes a Cond output (zeros from the other branch) or a per-iteration stack of it.
COPIED_VALUE_ELEMENTS = 1024


def _zero_gradient(t):
    """The gradient of `t` when nothing flows into it: zeros, or a zero gradient array."""
    if t.dtype is dtypes.tensor_array:
        return zero_gradient_array(t)
    return array_ops.zeros_like(t)


def _spec(t, shape=None):
    return TA_SPEC if t.dtype is dtypes.tensor_array else TensorSpec(t.dtype, shape or t.shape)


class BackwardGraph(FuncGraph):
    """The body of a gradient (backward loop body or gradient branch): tensors of the
    forward body it uses are resolved by `forward_value` rather than captured."""

    def __init__(self, name, outer_graph, forward_op, forward_body, outer_inputs):
        super().__init__(name, outer_graph)
        self.forward_op = forward_op
        self.forward_body = forward_body
        self.outer_inputs = outer_inputs  # forward body Arg index -> enclosing tensor, or None
        self.slot = None                  # (While) the forward iteration this step reverses
        self._values = {}

    def capture(self, tensor):
        if tensor.graph is self.forward_body:
            return self.forward_value(tensor)
        return super().capture(tensor)

    def forward_value(self, t):
        value = self._values.get(t)
        if value is None:
            with self.as_default(), self.control_dependencies(None), self.name_scope(None):
                value = self._values[t] = self._resolve(t)
        return value

    def _resolve(self, t):
        if t.op.type == "Arg":
            outer = self.outer_inputs(t.op.attrs["index"])
            if outer is not None:
                return super().capture(outer)
        if t.op.type == "Const":
            return constant(t.op.attrs["value"], dtype=t.op.attrs["dtype"])
        if t.dtype is dtypes.tensor_array:
            raise NotImplementedError(
                "gradient of %s: its gradient needs TensorArray %s of the body from every "
                "iteration" % (self.forward_op.name, t.name))
        known = constant_value(t)
        if known is not None and known.size <= COPIED_VALUE_ELEMENTS:
            return constant(known, dtype=t.dtype)
        saved = super().capture(_save(self.forward_op, t))
        if self.slot is None:
            return saved
        return saved[self.slot]  # a view of the slot (StridedSlice), not a per-step copy


def _save(op, t):
    """The extra output of While/Cond `op` that carries body tensor `t` (added on first use)."""
    attrs = op.attrs
    if op.type == "While":
        saved = attrs.setdefault("saved", [])
        if not any(s is t for s in saved):
            if len(op.outputs) == attrs["n_vars"]:
                op._add_output(TensorSpec(dtypes.int32, []))
            saved.append(t)
            op._add_output(TensorSpec(t.dtype, [None] + t.shape.dims if t.shape.ndims is not None
                                      else None))
        index = next(i for i, s in enumerate(saved) if s is t)
        return op.outputs[attrs["n_vars"] + 1 + index]
    saved = attrs.setdefault("saved", [])
    branch = "then_branch" if t.graph is attrs["then_branch"] else "else_branch"
    for i, (b, s) in enumerate(saved):
        if s is t:
            return op.outputs[len(attrs["output_specs"]) + i]
    saved.append((branch, t))
    return op._add_output(TensorSpec(t.dtype, t.shape))


def trip_count(op):
    """How many iterations While `op` ran (an extra output, added on first use)."""
    attrs = op.attrs
    if "saved" not in attrs:
        attrs["saved"] = []
        op._add_output(TensorSpec(dtypes.int32, []))
    return op.outputs[attrs["n_vars"]]


@gradient("While", indexed_slices=True)
def _while(op, grads):
    attrs = op.attrs
    n, body, cond = attrs["n_vars"], attrs["body"], attrs["cond"]
    n_cond = len(cond.captures)
    result = [None] * len(op.inputs)
    if not attrs.get("back_prop", True):
        return result
    var_ids = [i for i in range(n) if carries_gradient(op.outputs[i])]
    cap_ids = [k for k in range(len(body.captures)) if carries_gradient(body.inputs[n + k])]
    iterations = trip_count(op)
    outer = get_default_graph()
    init = [constant(0)]
    for i in var_ids:
        g = dense(grads[i])
        init.append(g if g is not None else _zero_gradient(op.outputs[i]))
    specs = [TensorSpec(dtypes.int32, [])] + \
        [_spec(op.outputs[i], attrs["output_specs"][i].shape) for i in var_ids]
    sparse = {k: _gathered_rows_only(body.inputs[n + k]) for k in cap_ids}
    for k in cap_ids:
        t = op.inputs[n + n_cond + k]
        if t.dtype is dtypes.tensor_array:
            # a captured TensorArray's gradient array is accumulated over iterations in place
            init.append(current_gradient_array(t))
            specs.append(TA_SPEC)
        elif sparse[k] is not None:
            # only gathered from: the gradient stays IndexedSlices, rows appended per step
            rows = TensorSpec(t.dtype, [None] + t.shape.dims[1:])
            init += [array_ops.zeros(array_ops.concat([[0], shape_of(t)[1:]], 0), dtype=t.dtype),
                     array_ops.zeros([0], dtype=sparse[k])]
            specs += [rows, TensorSpec(sparse[k], [None])]
        else:
            init.append(_zero_gradient(t))
            specs.append(_spec(t))
    prefix = outer.get_name_scope()

    cond_graph, cond_out = trace(prefix, lambda args: [args[0] < iterations], specs, outer)
    set_outputs(cond_graph, cond_out)

    def body_input(index):
        return op.inputs[n_cond + index] if index >= n else None

    g_body = BackwardGraph(prefix, outer, op, body, body_input)
    with g_body.as_default():
        args = [g_body.add_arg(s.dtype, s.shape) for s in specs]
        j = args[0]
        g_body.slot = iterations - 1 - j
        grad_ys = [None] * n
        for i, g in zip(var_ids, args[1:1 + len(var_ids)]):
            grad_ys[i] = g
        xs = [body.inputs[i] for i in var_ids] + [body.inputs[n + k] for k in cap_ids]
        accs = iter(args[1 + len(var_ids):])
        acc_of = {k: (next(accs), next(accs)) if sparse[k] is not None and
                  body.inputs[n + k].dtype is not dtypes.tensor_array else next(accs)
                  for k in cap_ids}
        registers = {body.inputs[n + k]: acc_of[k] for k in cap_ids
                     if body.inputs[n + k].dtype is dtypes.tensor_array}
        raw = backprop(body.outputs, grad_ys, xs, registers=registers)
        outs = [j + 1]
        for i, g in zip(var_ids, args[1:1 + len(var_ids)]):
            x = body.inputs[i]
            new = aggregate(x, raw[x]) if x.dtype is not dtypes.tensor_array or \
                _has_whole(raw[x]) else aggregate(x, raw[x], base=zero_gradient_array(g))
            outs.append(dense(new) if new is not None else _zero_gradient(g))
        for k in cap_ids:
            x, acc = body.inputs[n + k], acc_of[k]
            g = None if x.dtype is dtypes.tensor_array else aggregate(x, raw[x])
            if x.dtype is dtypes.tensor_array:
                outs.append(registers[x])
            elif isinstance(acc, tuple):
                outs += list(acc) if g is None else [array_ops.concat([acc[0], g.values], 0),
                                                     array_ops.concat([acc[1], g.indices], 0)]
            else:
                outs.append(acc if g is None else acc + dense(g))
    set_outputs(g_body, outs)
    inputs = init + cond_graph.captured_outer_tensors + g_body.captured_outer_tensors
    back = outer.create_op("While", inputs, {
        "cond": cond_graph, "body": g_body, "n_vars": len(specs), "output_specs": specs,
        "parallel_iterations": attrs["parallel_iterations"], "swap_memory": attrs["swap_memory"],
        "back_prop": False}, name=prefix + "/")
    for pos, i in enumerate(var_ids):
        result[i] = back.outputs[1 + pos]
    outs = iter(back.outputs[1 + len(var_ids):])
    for k in cap_ids:
        t, out = op.inputs[n + n_cond + k], next(outs)
        if t.dtype is dtypes.tensor_array:
            out = TensorArrayPiece(lambda _, out=out: out)  # extends the registered array
        elif sparse[k] is not None:
            out = IndexedSlices(out, next(outs), shape_of(t))
        result[n + n_cond + k] = out
    return result


def _gathered_rows_only(arg):
    """The index dtype when every use of body argument `arg` is a Gather of its rows (so its
    gradient is IndexedSlices, as TF1 keeps it through a loop), else None."""
    uses = arg._consumers
    dtypes_seen = {op.inputs[1].dtype for op in uses}
    if not uses or len(dtypes_seen) != 1 or arg.shape.ndims in (None, 0) or any(
            op.type != "Gather" or op.inputs[0] is not arg or op.attrs.get("axis", 0) != 0
            for op in uses):
        return None
    return dtypes_seen.pop()


def _has_whole(contributions):
    return any(not isinstance(c, TensorArrayPiece) for c in contributions)


@gradient("Cond")
def _cond(op, grads):
    attrs = op.attrs
    then_b, else_b = attrs["then_branch"], attrs["else_branch"]
    n_out = len(attrs["output_specs"])
    grads = [dense(g) for g in grads[:n_out]]
    n_then = len(then_b.captures)
    outer_ins = {"then_branch": op.inputs[1:1 + n_then], "else_branch": op.inputs[1 + n_then:]}
    outer = get_default_graph()
    prefix = outer.get_name_scope()
    # Which forward inputs get a gradient (from either branch), in input order.
    # (A TensorArray captured by both branches gets one output: its gradient array.)
    wanted, seen = [], set()
    for name in ("then_branch", "else_branch"):
        for k, t in enumerate(outer_ins[name]):
            if carries_gradient(t) and not (t.dtype is dtypes.tensor_array and t in seen):
                wanted.append((name, k))
                seen.add(t)
    # A captured TensorArray's gradient array goes in and comes out with the taken branch's
    # pieces written in: the one being accumulated (in a loop's gradient), else a fresh one.
    bases = {outer_ins[b][k]: current_gradient_array(outer_ins[b][k]) for b, k in wanted
             if outer_ins[b][k].dtype is dtypes.tensor_array}
    branches = {}
    for name in ("then_branch", "else_branch"):
        fwd = attrs[name]
        graph = BackwardGraph("%s/%s" % (prefix, "true" if name == "then_branch" else "false"),
                              outer, op, fwd, lambda index, ins=outer_ins[name]: ins[index])
        with graph.as_default():
            xs = [fwd.inputs[k] for k, t in enumerate(outer_ins[name]) if carries_gradient(t)]
            raw = backprop(fwd.outputs, grads, xs)
            outs = []
            for b, k in wanted:
                t = outer_ins[b][k]
                if t.dtype is dtypes.tensor_array:
                    base = bases[t]
                    contributions = [c for j, u in enumerate(outer_ins[name]) if u is t
                                     for c in raw[fwd.inputs[j]]]
                    if _has_whole(contributions):
                        raise NotImplementedError("gradient of Cond %s: a branch makes a new "
                                                  "version of captured TensorArray %s" % (op.name, t.name))
                    outs.append(aggregate(t, contributions, base=base) if contributions else base)
                    continue
                g = aggregate(fwd.inputs[k], raw[fwd.inputs[k]]) if b == name else None
                outs.append(dense(g) if g is not None else array_ops.zeros_like(t))
        set_outputs(graph, outs)
        branches[name] = graph
    specs = [_spec(outer_ins[b][k]) for b, k in wanted]
    back = outer.create_op("Cond", [op.inputs[0]] + branches["then_branch"].captured_outer_tensors
                           + branches["else_branch"].captured_outer_tensors,
                           {"then_branch": branches["then_branch"],
                            "else_branch": branches["else_branch"], "output_specs": specs},
                           name=prefix + "/")
    result = [None] * len(op.inputs)
    for out, (b, k) in zip(back.outputs, wanted):
        t = outer_ins[b][k]
        if t.dtype is dtypes.tensor_array:
            out = TensorArrayPiece(lambda _, out=out: out)  # extends the registered array
        result[1 + k + (n_then if b == "else_branch" else 0)] = out
    return result
