"""Reverse-mode differentiation of a graph: TF1's tf.gradients.

`backprop` walks the ops between `xs` and `ys` from the last to the first (creation order is
a topological order), asks each op's registered gradient (registry.py) for the gradients of
its inputs, and sums what reaches every tensor. Only floating tensors and TensorArrays carry
gradients: integers and bools stop them, so an index or a length never gets one.

Gradients come in three forms:
- a dense Tensor;
- IndexedSlices (the gradient of a Gather: only the looked-up rows), summed by concatenation
  and made dense where an op needs a plain tensor;
- for a TensorArray, the gradient is a TensorArray of its elements' gradients (TF1's gradient
  array): ops that read elements contribute a `TensorArrayPiece` (write g at index i), an op
  that produced the array passes the whole gradient array on, and `aggregate` writes the
  pieces into the whole array (or a fresh zero gradient array) in order; gradient arrays add
  up writes to one element.
"""
from ..framework import dtypes
from ..framework.graph import Tensor, get_default_graph, name_scope
from ..ops.indexed_slices import IndexedSlices
from . import registry

__all__ = ["gradients", "backprop", "aggregate", "TensorArrayPiece", "carries_gradient",
           "current_gradient_array"]


class TensorArrayPiece:
    """A contribution to a TensorArray's gradient from an op that read some of its elements:
    `apply(grad_array)` returns the gradient array with this contribution written in."""

    def __init__(self, apply):
        self.apply = apply


# The backprop runs in progress (innermost last): what `current_gradient_array` consults.
_RUNNING = []


def current_gradient_array(tensor):
    """The gradient array of TensorArray `tensor` accumulated so far in the innermost
    running backprop; from now on it is accumulated in place (a register): later pieces are
    written into it as they arrive. A gradient that takes it as an input (a loop's or a
    Cond's) returns `TensorArrayPiece(lambda _: its extended array)` for `tensor`, so every
    consumer of one array chains onto one gradient array."""
    return _RUNNING[-1].register(tensor)


def carries_gradient(tensor):
    """Whether gradients flow through this tensor (floats and TensorArrays do)."""
    return tensor.dtype.is_floating or tensor.dtype is dtypes.tensor_array


def _between(ys, xs):
    """Ops on a path from some x to some y, through tensors that carry gradients."""
    reached, stack = set(), [x for x in xs if carries_gradient(x)]
    while stack:
        t = stack.pop()
        for op in t._consumers:
            if op not in reached:
                reached.add(op)
                stack.extend(o for o in op.outputs if carries_gradient(o))
    between, stack = set(), [y.op for y in ys if y.op in reached]
    while stack:
        op = stack.pop()
        if op not in between:
            between.add(op)
            stack.extend(t.op for t in op.inputs if t.op in reached and carries_gradient(t))
    return between


def backprop(ys, grad_ys, xs, stop_gradients=(), registers=None):
    """The gradient contributions reaching each of `xs` from `ys` weighted by `grad_ys`
    (None entries contribute nothing): a dict x -> list of raw contributions, unsummed, so a
    caller can decide how TensorArray pieces combine (see `aggregate`).

    `registers` (TensorArray x -> gradient array) accumulates those xs in place instead:
    each piece is written into the array as it arrives; the dict holds the final arrays."""
    run = _Backprop(xs, stop_gradients, {} if registers is None else registers)
    _RUNNING.append(run)
    try:
        return run.run(ys, grad_ys)
    finally:
        _RUNNING.pop()


class _Backprop:
    """One reverse sweep: contributions pending per tensor, and registered gradient arrays."""

    def __init__(self, xs, stop_gradients, registers):
        self.xs = list(xs)
        self.wanted = set(xs)
        self.stop = set(stop_gradients)
        self.registers = registers
        self.pending = {}
        self.between = set()

    def register(self, t):
        if t not in self.registers:
            self.registers[t] = aggregate(t, self.pending.pop(t, [])) if t in self.pending \
                else zero_gradient_array(t)
        return self.registers[t]

    def gradient_of(self, t):
        if t in self.stop:
            return None
        if t in self.registers:
            return self.registers[t]
        return aggregate(t, self.pending.get(t))

    def add(self, op, t, g):
        if t in self.registers:
            if not isinstance(g, TensorArrayPiece):
                raise NotImplementedError(
                    "gradient of TensorArray %s: %s makes a new version of it, and another op "
                    "reads it inside a loop or cond" % (t.name, op.name))
            self.registers[t] = g.apply(self.registers[t])
        elif t in self.wanted or (t.op in self.between and t not in self.stop):
            if isinstance(g, Tensor) and t.dtype is not dtypes.tensor_array:
                _check_gradient(op, t, g)
            self.pending.setdefault(t, []).append(g)

    def run(self, ys, grad_ys):
        self.between = _between(ys, self.xs)
        for y, g in zip(ys, grad_ys):
            if g is not None and carries_gradient(y):
                self.pending.setdefault(y, []).append(g)
        for op in sorted(self.between, key=lambda o: o._id, reverse=True):
            out_grads = [self.gradient_of(t) for t in op.outputs]
            if all(g is None for g in out_grads):
                continue
            fn = registry.lookup(op)
            if fn is None:
                continue
            if op.type not in registry.TAKES_INDEXED_SLICES:
                out_grads = [dense(g) for g in out_grads]
            with name_scope(op.name + "_grad"):
                in_grads = fn(op, out_grads)
            if len(in_grads) != len(op.inputs):
                raise ValueError("rnngraph bug: the gradient of %s (%s) returned %d gradients for "
                                 "%d inputs" % (op.name, op.type, len(in_grads), len(op.inputs)))
            for t, g in zip(op.inputs, in_grads):
                if g is not None and carries_gradient(t):
                    self.add(op, t, g)
        return {x: [self.registers[x]] if x in self.registers else self.pending.get(x, [])
                for x in self.xs}


def _check_gradient(op, t, g):
    if g.dtype != t.dtype:
        raise TypeError("Gradient type %s generated for op %s does not match input type %s"
                        % (g.dtype.name, op.name, t.dtype.name))
    if g.shape.is_compatible_with(t.shape):
        g.set_shape(t.shape)


def aggregate(tensor, grads, base=None):
    """The sum of the gradient contributions `grads` of `tensor` (None when there are none).

    For a TensorArray, the pieces are written into `base` (a gradient array), else into the
    one whole gradient array among the contributions, else into a fresh zero gradient array.
    """
    if not grads:
        return base
    if tensor.dtype is dtypes.tensor_array:
        whole = [g for g in grads if not isinstance(g, TensorArrayPiece)]
        if base is not None:
            whole = [base] + whole
        if len(whole) > 1:
            raise NotImplementedError(
                "gradient of TensorArray %s, whose value is used by two ops that each make a new "
                "version of it" % tensor.name)
        result = whole[0] if whole else zero_gradient_array(tensor)
        for g in grads:
            if isinstance(g, TensorArrayPiece):
                result = g.apply(result)
        return result
    if len(grads) == 1:
        return grads[0]
    if all(isinstance(g, IndexedSlices) for g in grads):
        from ..ops import array_ops
        return IndexedSlices(array_ops.concat([g.values for g in grads], 0),
                             array_ops.concat([g.indices for g in grads], 0), grads[0].dense_shape)
    from ..ops import math_ops
    return math_ops.add_n([dense(g) for g in grads])


def dense(g):
    """g as a plain tensor (IndexedSlices summed into their dense shape)."""
    return g.to_dense() if isinstance(g, IndexedSlices) else g


def zero_gradient_array(ta):
    """A gradient array for TensorArray tensor `ta`: its size and element type, all zeros."""
    return get_default_graph().create_op("TensorArrayGrad", [ta], {}, "TensorArrayGrad").outputs[0]


def _as_tensors(values, what, as_ref=False):
    from ..ops.tensor_conversion import convert_to_tensor
    if values is None:
        return []
    if not isinstance(values, (list, tuple)):
        values = [values]
    out = []
    for v in values:
        if as_ref and hasattr(v, "_ref"):
            v = v._ref()
        out.append(v if isinstance(v, (Tensor, IndexedSlices)) else convert_to_tensor(v, name=what))
    return out


def gradients(ys, xs, grad_ys=None, name="gradients", colocate_gradients_with_ops=False,
              gate_gradients=False, aggregation_method=None, stop_gradients=None,
              unconnected_gradients="none"):
    """d(sum of ys)/d(x) for each x in xs (TF1's tf.gradients): a list with a Tensor,
    IndexedSlices or None (x does not affect ys, or only through integers) per x."""
    from ..ops import array_ops
    ys = _as_tensors(ys, "y")
    xs = _as_tensors(xs, "x", as_ref=True)
    stop = _as_tensors(stop_gradients, "stop")
    if unconnected_gradients not in ("none", "zero"):
        raise ValueError("Unknown value for unconnected_gradients: %r" % (unconnected_gradients,))
    if grad_ys is None:
        grad_ys = [None] * len(ys)
    elif not isinstance(grad_ys, (list, tuple)):
        grad_ys = [grad_ys]
    if len(grad_ys) != len(ys):
        raise ValueError("Passed %d grad_ys for %d ys" % (len(grad_ys), len(ys)))
    with name_scope(name, "gradients", ys + xs):
        given = []
        for i, (y, g) in enumerate(zip(ys, grad_ys)):
            if g is None:
                if not y.dtype.is_floating:
                    given.append(None)
                    continue
                g = array_ops.ones_like(y, name="grad_ys_%d" % i)
            else:
                g = _as_tensors(g, "grad_ys_%d" % i)[0]
                if g.dtype != y.dtype:
                    raise TypeError("Error in gradients: the type of grad_ys[%d] (%s) does not "
                                    "match the type of ys[%d] (%s)" % (i, g.dtype.name, i, y.dtype.name))
            given.append(g)
        raw = backprop(ys, given, xs, stop)
        result = []
        for x in xs:
            g = aggregate(x, raw[x])
            if g is None and unconnected_gradients == "zero":
                g = array_ops.zeros_like(x)
            result.append(g)
    return result
