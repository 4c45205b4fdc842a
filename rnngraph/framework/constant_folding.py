"""Build-time partial evaluation (TF1's tensor_util.constant_value and
constant_value_as_shape).

Shape inference of ops that take shapes as tensors (Reshape, Fill, Tile, ...) needs the
value of those tensors when it is knowable while the graph is built: constants, shapes that
are statically known, and pure computations on them. Values come from each primitive's own
reference implementation, so folding can never disagree with running.
"""
import numpy as np

from . import tensor_shape

MAX_FOLD_ELEMENTS = 1 << 16
_CACHE_KEY = "constant_value_cache"


def _cache(graph):
    return graph._attached_object(_CACHE_KEY, dict)


def invalidate(graph):
    """Forget cached results (called when a static shape is refined by set_shape)."""
    graph._attached.pop(_CACHE_KEY, None)


def constant_value(tensor):
    """The NumPy value of `tensor` if it can be computed at build time, else None."""
    cache = _cache(tensor.graph)
    if tensor in cache:
        return cache[tensor]
    # Iterative post-order walk: graphs can be deep chains (no Python recursion limit).
    stack = [tensor]
    while stack:
        t = stack[-1]
        if t in cache:
            stack.pop()
            continue
        op = t.op
        prim = op.primitive
        shaped = prim.fold_from_shapes([i.spec for i in op.inputs], op.attrs)
        if shaped is not None:
            _store(cache, op, shaped)
            stack.pop()
            continue
        if not prim.foldable:
            _store(cache, op, None)
            stack.pop()
            continue
        pending = [i for i in op.inputs if i not in cache]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        values = [cache[i] for i in op.inputs]
        if any(v is None for v in values) or any(
                s.shape.num_elements() is None or s.shape.num_elements() > MAX_FOLD_ELEMENTS
                for s in (o.spec for o in op.outputs)):
            _store(cache, op, None)
            continue
        try:
            outs = prim.reference(None, values, op.attrs)
        except Exception:  # a bad constant surfaces when the graph runs, with the op named
            outs = None
        _store(cache, op, outs)
    return cache[tensor]


def _store(cache, op, outs):
    for i, t in enumerate(op.outputs):
        cache[t] = None if outs is None else np.asarray(outs[i], dtype=t.dtype.np)


def constant_value_as_shape(tensor):
    """A TensorShape from a 1-D shape tensor, with None where an element is not known.

    Understands the ways TF1 code builds shapes: constants (with -1 as unknown), tf.shape(x)
    (x's static shape), slices of it, concatenations, stacks of scalars, and casts.
    """
    shape = tensor.shape
    if shape.ndims == 0:
        v = constant_value(tensor)
        if v is not None and v == -1:
            return tensor_shape.unknown_shape()
        raise ValueError("Shape tensor %s must be a vector, got a scalar." % tensor.name)
    value = constant_value(tensor)
    if value is not None:
        return tensor_shape.TensorShape([None if d == -1 else int(d) for d in value.ravel()])
    op = tensor.op
    if op.type == "Shape":
        return op.inputs[0].shape
    if op.type == "Cast":
        return constant_value_as_shape(op.inputs[0])
    if op.type == "Concat":
        result = tensor_shape.TensorShape([])
        for part in op.inputs:
            result = result.concatenate(constant_value_as_shape(part))
        return result
    if op.type == "ExpandDims" and op.inputs[0].shape.ndims == 0:
        v = constant_value(op.inputs[0])
        return tensor_shape.TensorShape([None if v is None or v == -1 else int(v)])
    if op.type == "StridedSlice" and op.inputs[0].op.type == "Shape":
        dims = op.inputs[0].op.inputs[0].shape.dims
        consts = [constant_value(t) for t in op.inputs[1:]]
        if dims is not None and all(c is not None for c in consts):
            index = np.arange(len(dims), dtype=np.int32)
            picked = op.primitive.reference(None, [index] + consts, op.attrs)[0]
            if picked.ndim == 1:
                return tensor_shape.TensorShape([dims[i] for i in picked])
    n = shape[0] if shape.ndims == 1 else None
    return tensor_shape.unknown_shape(n)
