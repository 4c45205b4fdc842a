"""Stage 2, specialize: static shapes made concrete from the shapes of this run's feeds.

Re-runs every pruned op's shape inference with the fed shapes in place of the graph's
partial ones, folding small pure values (shapes, constants) on the way. A clash that only
shows with real shapes (feeding [2,3] and [4,3] to an Add) is an InvalidArgumentError
naming the op, raised before anything runs. One specialization serves every run with the
same feed signature.

While and Cond are specialized through their bodies: a loop variable's spec is the most
specific one that holds on entry and after every iteration (a fixed point: start from the
initial values' specs, run the body's inference, widen what changed, repeat), so a
`[None, ...]` placeholder fed with a batch of 32 gives loop state of batch 32, not the
build-time shape invariant. TensorArrays carry their element shape in their spec
(primitives/tensor_array.py), so a read inside the loop knows it too.

Rows: a While's saved-value stack (the gradient's per-iteration saves) whose body computes a
constant holds that constant in every row; `rows` maps it to that value, so the backward
loop's read of one slot (a one-row StridedSlice) folds to the constant. Gradients save many
shapes (for broadcasting), which become constants here, and no longer cost a stack each.
"""
import numpy as np

from rnngraph.errors import InvalidArgumentError
from rnngraph.framework import dtypes
from rnngraph.framework.constant_folding import MAX_FOLD_ELEMENTS
from rnngraph.framework.primitive import KnownValues, TensorSpec
from rnngraph.primitives.control_flow import saved_specs
from rnngraph.framework.tensor_shape import TensorShape, unknown_shape


def specialize(ops, feed_specs, feed_constants=None, feed_rows=None):
    """Return (specs, constants, rows): TensorSpec per tensor, NumPy values known statically,
    and the stacks whose rows all hold one known value (see the module docstring).

    feed_constants, feed_rows: what is known of fed tensors (a body's captured values).
    """
    specs = dict(feed_specs)
    constants = dict(feed_constants or {})
    rows = dict(feed_rows or {})
    for op in ops:
        ins = [specs[t] for t in op.inputs]
        known = KnownValues(lambda i, op=op: constants.get(op.inputs[i]),
                            lambda i, op=op: _as_shape(op.inputs[i], specs, constants))
        try:
            if op.type in _CONTROL_FLOW:
                outs, out_rows, out_constants = _CONTROL_FLOW[op.type](
                    op, ins, [constants.get(t) for t in op.inputs], [rows.get(t) for t in op.inputs])
                rows.update((op.outputs[i], c) for i, c in out_rows.items())
                constants.update((op.outputs[i], c) for i, c in out_constants.items())
            else:
                outs = op.primitive.infer(ins, op.attrs, known)
        except ValueError as e:
            raise InvalidArgumentError(op=op, message="%s (inputs: %s)" % (
                str(e).rstrip("."), ", ".join("'%s' %s" % (t.name, s.shape.short())
                                              for t, s in zip(op.inputs, ins)))) from None
        for t, s in zip(op.outputs, outs):
            if t not in specs:
                specs[t] = s
        _fold(op, ins, constants, specs, rows)
    return specs, constants, rows


def _fold(op, ins, constants, specs, rows):
    if op.control_inputs:
        return  # its value must wait for its control inputs (an Assert may guard it)
    if op.inputs and op.inputs[0] in rows and _reads_one_row(op, ins):
        constants[op.outputs[0]] = rows[op.inputs[0]]
        return
    prim = op.primitive
    values = prim.fold_from_shapes(ins, op.attrs)
    if values is None and prim.foldable and all(t in constants for t in op.inputs):
        if all((specs[t].shape.num_elements() or MAX_FOLD_ELEMENTS + 1) <= MAX_FOLD_ELEMENTS
               for t in op.outputs):
            try:
                values = prim.reference(None, [constants[t] for t in op.inputs], op.attrs)
            except Exception:  # left for the run to report with the op's name
                values = None
    if values is not None:
        for t, v in zip(op.outputs, values):
            if t not in specs or specs[t].shape.is_compatible_with(np.shape(v)):
                constants[t] = np.asarray(v, dtype=t.dtype.np)


def _reads_one_row(op, ins):
    """Whether `op` is a StridedSlice taking one row of its input's first axis, as the
    gradient reads a saved slot (`stack[slot]`)."""
    attrs = op.attrs
    return (op.type == "StridedSlice" and attrs.get("shrink_axis_mask", 0) == 1
            and not attrs.get("ellipsis_mask", 0) and not attrs.get("new_axis_mask", 0)
            and ins[1].shape.as_list() == [1])


def _as_shape(tensor, specs, constants):
    if tensor in constants:
        return TensorShape([None if d == -1 else int(d) for d in constants[tensor].ravel()])
    vector = specs[tensor].shape
    if vector.ndims == 1 and vector.dims[0] is not None:
        return unknown_shape(vector.dims[0])
    return unknown_shape()


def specialize_body(graph, arg_specs, arg_constants, arg_rows, outputs):
    """(ops, specs, constants, rows) of a While/Cond body computing `outputs` for these
    argument specs and what is known of the arguments' values (None where nothing is). When
    inference fails with them (the run would fail anyway, e.g. an Assert on sequence_length),
    the body keeps its build-time specs so the run reaches the check that explains it."""
    from .prune import prune
    ops = prune(outputs, [], graph.inputs)
    feeds = dict(zip(graph.inputs, arg_specs))
    try:
        return (ops,) + specialize(ops, feeds, _known(graph.inputs, arg_constants),
                                   _known(graph.inputs, arg_rows))
    except InvalidArgumentError:
        specs = feeds
        for op in ops:
            for t in op.outputs:
                specs[t] = t.spec
        return ops, specs, {}, {}


def _known(tensors, values):
    return {t: v for t, v in zip(tensors, values) if v is not None}


def while_entry_specs(in_specs, out_specs):
    """The specs a While body's loop variables have on entry to an iteration, from the While's
    input and (specialized) output specs: a TensorArray keeps what was known on entry to the
    loop (its elements all share one shape: a write of another shape fails), any other value
    has the loop's fixed-point spec (see _while_specs)."""
    return [i if i.dtype is dtypes.tensor_array else o for i, o in zip(in_specs, out_specs)]


def _join(a, b):
    """The most specific spec both `a` and `b` satisfy."""
    return TensorSpec(a.dtype, a.shape.most_specific_compatible_shape(b.shape))


def _while_specs(op, ins, in_constants, in_rows):
    """(output specs, {output index: row value}, {}) of a While for these inputs (see the
    module docstring)."""
    attrs = op.attrs
    n = attrs["n_vars"]
    body = attrs["body"]
    start = n + len(attrs["cond"].captures)
    caps, cap_constants, cap_rows = ins[start:], [None] * n + in_constants[start:], [None] * n + in_rows[start:]
    saved = list(attrs.get("saved") or ())
    loop = list(ins[:n])
    for _ in range(2 + sum(s.shape.ndims or 0 for s in loop) + n):  # each round widens a dim
        _, specs, constants, _ = specialize_body(body, loop + caps, cap_constants, cap_rows,
                                                 list(body.outputs) + saved)
        outs = [specs[t] for t in body.outputs]
        widened = while_entry_specs(loop, [_join(s, o) for s, o in zip(loop, outs)])
        if widened == loop:
            break
        loop = widened
    else:
        return op.primitive.infer(ins, attrs, None), {}, {}
    results = [_merged_array(s, o) if s.dtype is dtypes.tensor_array else s
               for s, o in zip(loop, outs)]
    out_rows = {n + 1 + i: constants[t] for i, t in enumerate(saved) if t in constants}
    return results + saved_specs("While", attrs, [specs[t] for t in saved]), out_rows, {}


def _merged_array(entry, out):
    """A TensorArray after the loop: what was known on entry and what the body wrote."""
    if entry.shape.is_compatible_with(out.shape):
        return TensorSpec(entry.dtype, entry.shape.merge_with(out.shape))
    return entry


def _cond_specs(op, ins, in_constants, in_rows):
    """(output specs, {}, {output index: constant}) of a Cond: what either branch may
    return, for these inputs. A saved value (an output for the gradient) that its branch
    computes as a constant is that constant: only the gradient's branch of the same side
    reads it, and only when that side ran (the other side returns zeros in its place).
    Gradients save shapes for broadcasting; known, they fold in the gradient's branch (its
    SumToShapes vanish and its elementwise work fuses): the gradient program of a two-layer
    static_rnn with sequence_length (tests/parity: static_rnn.multi.seqlen.scope) shrank
    from 3915 to 2552 lines and compiles in 80 s instead of 120."""
    attrs = op.attrs
    n_then = len(attrs["then_branch"].captures)
    saved = attrs.get("saved") or ()
    outs, saved_specs_of, saved_constants = None, {}, {}
    for branch, args in (("then_branch", slice(1, 1 + n_then)), ("else_branch", slice(1 + n_then, None))):
        graph = attrs[branch]
        mine = [t for b, t in saved if b == branch]
        _, specs, constants, _ = specialize_body(graph, ins[args], in_constants[args], in_rows[args],
                                                 list(graph.outputs) + mine)
        branch_outs = [specs[t] for t in graph.outputs]
        outs = branch_outs if outs is None else [_join(a, b) for a, b in zip(outs, branch_outs)]
        saved_specs_of.update((t, specs[t]) for t in mine)
        saved_constants.update((t, constants[t]) for t in mine if t in constants)
    n = len(outs)
    return outs + saved_specs("Cond", attrs, [saved_specs_of[t] for _, t in saved]), {}, {
        n + i: saved_constants[t] for i, (_, t) in enumerate(saved) if t in saved_constants}


_CONTROL_FLOW = {"While": _while_specs, "Cond": _cond_specs}
