"""TF1 array ops: placeholders, shapes, reshaping, joining and splitting, slicing
(including `tensor[...]`), gather, one_hot, fills, ranges, tiling, padding, reversal,
where/select and sequence masks."""
import builtins

import numpy as np

from ..framework import dtypes
from ..framework.constant_folding import constant_value
from ..framework.graph import get_default_graph, name_scope
from ..framework.tensor_shape import as_shape
from .tensor_conversion import constant, convert_to_tensor, is_tensor

__all__ = [
    "placeholder", "placeholder_with_default", "identity", "stop_gradient", "reshape",
    "transpose", "expand_dims", "squeeze", "concat", "stack", "unstack", "split", "slice",
    "strided_slice", "gather", "one_hot", "fill", "zeros", "ones", "zeros_like", "ones_like",
    "range", "shape", "size", "rank", "tile", "pad", "reverse", "reverse_v2", "reverse_sequence",
    "where", "where_v2", "sequence_mask", "newaxis", "shape_n", "parallel_stack",
]

newaxis = None


def _op(op_type, inputs, attrs=None, name=None):
    return get_default_graph().create_op(op_type, inputs, attrs, name or op_type).outputs[0]


def placeholder(dtype, shape=None, name=None):
    """A value fed at run time; `shape` may be partial ([None, 3]) or None (any)."""
    shape = as_shape(shape)
    return _op("Placeholder", [], {"dtype": dtypes.as_dtype(dtype), "shape": shape}, name or "Placeholder")


def placeholder_with_default(input, shape, name=None):  # noqa: A002
    x = convert_to_tensor(input)
    return _op("PlaceholderWithDefault", [x], {"shape": as_shape(shape)}, name or "PlaceholderWithDefault")


def identity(input, name=None):  # noqa: A002
    return _op("Identity", [convert_to_tensor(input)], name=name or "Identity")


def stop_gradient(input, name=None):  # noqa: A002
    return _op("StopGradient", [convert_to_tensor(input)], name=name or "StopGradient")


def int_vector(value, name="shape"):
    """A 1-D int32 tensor from a list that may mix ints and scalar tensors (auto-packed)."""
    if is_tensor(value):
        return convert_to_tensor(value)
    items = list(value) if isinstance(value, (list, tuple)) else value
    if isinstance(items, list) and any(is_tensor(v) for v in items):
        parts = [convert_to_tensor(v, dtype=dtypes.int32) if not is_tensor(v) else convert_to_tensor(v)
                 for v in items]
        parts = [p if p.dtype == dtypes.int32 else _op("Cast", [p], {"dtype": dtypes.int32}) for p in parts]
        return stack(parts, name=name)
    if hasattr(value, "as_list"):
        value = value.as_list()
    return constant(np.asarray(value, dtype=np.int64).astype(np.int32)
                    if np.asarray(value).size else np.zeros([0], np.int32), dtype=dtypes.int32, name=name)


def reshape(tensor, shape, name=None):
    """Reshape to `shape` (list of ints and scalar tensors, or a 1-D tensor; one -1)."""
    return _op("Reshape", [convert_to_tensor(tensor), int_vector(shape)], name=name or "Reshape")


def transpose(a, perm=None, name="transpose", conjugate=False):
    """Permute axes; perm=None reverses them."""
    a = convert_to_tensor(a)
    if perm is None:
        if a.shape.ndims is None:
            raise NotImplementedError("transpose without perm of a tensor of unknown rank (%s)" % a.name)
        perm = list(builtins.range(a.shape.ndims))[::-1]
    elif is_tensor(perm):
        value = constant_value(convert_to_tensor(perm))
        if value is None:
            raise NotImplementedError("transpose with a perm computed at run time")
        perm = value
    return _op("Transpose", [a], {"perm": tuple(int(p) for p in np.asarray(perm).ravel())}, name)


def _static_int(value, what):
    if is_tensor(value):
        v = constant_value(convert_to_tensor(value))
        if v is None:
            raise NotImplementedError("%s computed at run time is not supported" % what)
        value = v
    return int(np.asarray(value).reshape(()))


def expand_dims(input, axis=None, name=None, dim=None):  # noqa: A002
    if axis is None:
        axis = dim
    if axis is None:
        raise ValueError("Must specify an axis argument to tf.expand_dims()")
    return _op("ExpandDims", [convert_to_tensor(input)], {"axis": _static_int(axis, "expand_dims axis")},
               name or "ExpandDims")


def squeeze(input, axis=None, name=None, squeeze_dims=None):  # noqa: A002
    if axis is None:
        axis = squeeze_dims
    if isinstance(axis, int):
        axis = [axis]
    return _op("Squeeze", [convert_to_tensor(input)], {"axis": tuple(axis or ())}, name or "Squeeze")


def concat(values, axis, name="concat"):
    """Join tensors along `axis`. A single tensor is returned through an Identity."""
    values = [convert_to_tensor(v) for v in values]
    if len(values) == 1:
        return identity(values[0], name=name)
    return _op("Concat", values, {"axis": _static_int(axis, "concat axis")}, name)


def stack(values, axis=0, name="stack"):
    """Stack rank-R tensors into one rank-(R+1) tensor along `axis`."""
    values = list(values)
    first = next((v for v in values if is_tensor(v)), None)
    dtype = convert_to_tensor(first).dtype if first is not None else None
    values = [convert_to_tensor(v, dtype=dtype if not is_tensor(v) else None) for v in values]
    if not values:
        raise ValueError("tf.stack needs at least one value")
    rank = values[0].shape.ndims
    if rank is not None and not -rank - 1 <= axis <= rank:
        raise ValueError("Argument `axis` = %d not in range [%d, %d)" % (axis, -rank - 1, rank + 1))
    for v in values[1:]:
        if not values[0].shape.is_compatible_with(v.shape):
            raise ValueError("Shapes %s and %s are incompatible (tf.stack of %s and %s)"
                             % (values[0].shape, v.shape, values[0].name, v.name))
    with name_scope(name) as scope:
        if len(values) == 1:
            return _op("ExpandDims", values, {"axis": axis}, name=scope)
        expanded = [_op("ExpandDims", [v], {"axis": axis}) for v in values]
        return _op("Concat", expanded, {"axis": axis}, name=scope)


def parallel_stack(values, name="parallel_stack"):
    return stack(values, 0, name)


def unstack(value, num=None, axis=0, name="unstack"):
    """Split along `axis` into a list of rank-(R-1) tensors (num inferred when static)."""
    value = convert_to_tensor(value)
    if num is None:
        if value.shape.ndims is None:
            raise ValueError("Cannot infer num from shape %s" % value.shape)
        num = value.shape[axis]
        if num is None:
            raise ValueError("Cannot infer argument `num` from shape %s" % value.shape)
    with name_scope(name):
        return [_index(value, axis, i) for i in builtins.range(num)]


def _index(value, axis, i):
    rank = value.shape.ndims
    if rank is None:
        raise NotImplementedError("unstack/split of a tensor of unknown rank (%s)" % value.name)
    axis = axis % rank
    begin = [0] * rank
    begin[axis] = i
    return strided_slice(value, begin, [0] * rank, [1] * rank,
                         begin_mask=((1 << rank) - 1) & ~(1 << axis),
                         end_mask=((1 << rank) - 1) & ~(1 << axis),
                         shrink_axis_mask=1 << axis)


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """Split into `num_or_size_splits` equal parts, or parts of the given sizes (one -1)."""
    value = convert_to_tensor(value)
    rank = value.shape.ndims
    if rank is None:
        raise NotImplementedError("split of a tensor of unknown rank (%s)" % value.name)
    axis = _static_int(axis, "split axis") % rank
    dim = value.shape[axis]
    if isinstance(num_or_size_splits, (int, np.integer)):
        n = int(num_or_size_splits)
        if dim is None:
            return _split_at_run_time(value, n, axis, rank, name)
        if dim % n:
            raise ValueError("Dimension size must be evenly divisible by %d but is %d for 'split' "
                             "(axis %d of %s)" % (n, dim, axis, value.name))
        sizes = [dim // n] * n
    else:
        sizes = [int(s) for s in np.asarray(num_or_size_splits if not is_tensor(num_or_size_splits)
                                            else constant_value(num_or_size_splits)).ravel()]
        if sizes.count(-1) > 1:
            raise ValueError("Cannot infer more than one -1 in size_splits %s" % sizes)
        if -1 in sizes:
            if dim is None:
                raise NotImplementedError("split with -1 along an axis of unknown size")
            sizes[sizes.index(-1)] = dim - (sum(sizes) + 1)
        if dim is not None and sum(sizes) != dim:
            raise ValueError("Sum of output sizes %s must match the size of the original Tensor "
                             "along the split axis (%d)" % (sizes, dim))
    with name_scope(name):
        outs, start = [], 0
        for s in sizes:
            begin = [0] * rank
            size = [-1] * rank
            begin[axis], size[axis] = start, s
            outs.append(slice(value, begin, size))
            start += s
        return outs


def _split_at_run_time(value, n, axis, rank, name):
    """`n` equal parts along an axis whose size is known only when the graph runs (TF1's
    Split op): slices whose begin and size come from the input's shape, after a check that
    n divides it (an InvalidArgumentError when it does not). The sizes depend on the check,
    so they stay run-time values: the cpu target reads these parts as views, where a
    static split's are index offsets inside a fused loop (compiler/fuse.py)."""
    from .control_flow_ops import Assert
    from .math_ops import equal, floordiv, floormod
    with name_scope(name):
        length = shape(value)[axis]
        check = Assert(equal(floormod(length, n), 0), [
            "size", length, "Number of ways to split should evenly divide the split "
            "dimension, but got split_dim %d and num_split %d" % (axis, n)])
        with get_default_graph().control_dependencies([check]):
            piece = floordiv(length, n)
        zeros, rest = [0] * rank, [-1] * rank
        outs = []
        for i in builtins.range(n):
            begin = stack(zeros[:axis] + [piece * i] + zeros[axis + 1:])
            size = stack(rest[:axis] + [piece] + rest[axis + 1:])
            outs.append(slice(value, begin, size))
        return outs


def slice(input_, begin, size, name=None):  # noqa: A001
    """input_[begin[i] : begin[i] + size[i]] per axis; size -1 takes the rest."""
    return _op("Slice", [convert_to_tensor(input_), int_vector(begin, "begin"),
                         int_vector(size, "size")], name=name or "Slice")


def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0,
                  new_axis_mask=0, shrink_axis_mask=0, var=None, name=None):
    """TF1's strided_slice; what `tensor[...]` builds."""
    if strides is None:
        strides = [1] * (len(begin) if not is_tensor(begin) else begin.shape[0])
    attrs = {"begin_mask": begin_mask, "end_mask": end_mask, "ellipsis_mask": ellipsis_mask,
             "new_axis_mask": new_axis_mask, "shrink_axis_mask": shrink_axis_mask}
    return _op("StridedSlice", [convert_to_tensor(input_), int_vector(begin, "begin"),
                                int_vector(end, "end"), int_vector(strides, "strides")],
               attrs, name or "strided_slice")


def _check_index(idx):
    if isinstance(idx, (int, np.integer)) and not isinstance(idx, bool):
        return
    if is_tensor(idx):
        t = convert_to_tensor(idx)
        if t.dtype.is_integer and t.shape.ndims in (None, 0):
            return
    raise TypeError("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and "
                    "scalar tf.int32/tf.int64 tensors are valid indices, got %r" % (idx,))


def slice_helper(tensor, slice_spec, var=None):
    """`tensor[slice_spec]` with TF1 semantics (the Tensor.__getitem__ overload)."""
    if not isinstance(slice_spec, tuple):
        slice_spec = (slice_spec,)
    begin, end, strides = [], [], []
    masks = dict(begin_mask=0, end_mask=0, ellipsis_mask=0, new_axis_mask=0, shrink_axis_mask=0)
    for i, s in enumerate(slice_spec):
        bit = 1 << i
        if isinstance(s, builtins.slice):
            for v in (s.start, s.stop, s.step):
                if v is not None:
                    _check_index(v)
            begin.append(0 if s.start is None else s.start)
            end.append(0 if s.stop is None else s.stop)
            strides.append(1 if s.step is None else s.step)
            if s.start is None:
                masks["begin_mask"] |= bit
            if s.stop is None:
                masks["end_mask"] |= bit
        elif s is Ellipsis:
            begin.append(0), end.append(0), strides.append(1)
            masks["ellipsis_mask"] |= bit
        elif s is None:
            begin.append(0), end.append(0), strides.append(1)
            masks["new_axis_mask"] |= bit
        else:
            _check_index(s)
            begin.append(s)
            end.append(s + 1 if not is_tensor(s) else 0)
            strides.append(1)
            masks["shrink_axis_mask"] |= bit
    with name_scope(None, "strided_slice", [tensor]) as scope:
        return strided_slice(tensor, begin, end, strides, name=scope, **masks)


def gather(params, indices, validate_indices=None, name=None, axis=None, batch_dims=0):
    """params[indices] along `axis` (default 0); an out-of-range index is an error."""
    if batch_dims:
        raise NotImplementedError("gather with batch_dims=%d" % batch_dims)
    params = convert_to_tensor(params)
    indices = convert_to_tensor(indices)
    axis = 0 if axis is None else _static_int(axis, "gather axis")
    return _op("Gather", [params, indices], {"axis": axis}, name or "GatherV2")


def fill(dims, value, name=None):
    return _op("Fill", [int_vector(dims, "dims"), convert_to_tensor(value)], name=name or "Fill")


def _filled(shape, dtype, value, name):
    dtype = dtypes.as_dtype(dtype)
    value = np.asarray(value).astype(dtype.np)  # 0/1 become False/True for bool
    if not is_tensor(shape) and not any(is_tensor(d) for d in (shape if isinstance(shape, (list, tuple)) else [])):
        shape = as_shape(shape)
        if shape.is_fully_defined():
            return constant(value, dtype=dtype, shape=shape.as_list(), name=name)
    with name_scope(name) as scope:
        return _op("Fill", [int_vector(shape), constant(value, dtype=dtype)], name=scope)


def zeros(shape, dtype=dtypes.float32, name=None):
    return _filled(shape, dtype, 0, name or "zeros")


def ones(shape, dtype=dtypes.float32, name=None):
    return _filled(shape, dtype, 1, name or "ones")


def _filled_like(tensor, dtype, value, name):
    tensor = convert_to_tensor(tensor)
    dtype = dtypes.as_dtype(dtype) if dtype is not None else tensor.dtype
    value = np.asarray(value).astype(dtype.np)
    with name_scope(name, values=[tensor]) as scope:
        if tensor.shape.is_fully_defined():
            return constant(value, dtype=dtype, shape=tensor.shape.as_list(), name=scope)
        return _op("Fill", [shape(tensor), constant(value, dtype=dtype)], name=scope)


def zeros_like(tensor, dtype=None, name=None, optimize=True):
    return _filled_like(tensor, dtype, 0, name or "zeros_like")


def ones_like(tensor, dtype=None, name=None, optimize=True):
    return _filled_like(tensor, dtype, 1, name or "ones_like")


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001
    """[start, limit) in steps of delta; range(n) is [0, n). Float if any bound is float."""
    if limit is None:
        start, limit = 0, start
    with name_scope(name, "Range", [start, limit, delta]) as scope:
        vals = [start, limit, delta]
        if dtype is None:
            kinds = [convert_to_tensor(v).dtype if is_tensor(v) else dtypes.dtype_of_value(v) for v in vals]
            order = [dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64]
            dtype = max(kinds, key=order.index)
        dtype = dtypes.as_dtype(dtype)
        tensors = []
        for v in vals:
            t = convert_to_tensor(v, dtype=None if is_tensor(v) else dtype)
            tensors.append(t if t.dtype == dtype else _op("Cast", [t], {"dtype": dtype}))
        return _op("Range", tensors, name=scope)


def shape(input, name=None, out_type=dtypes.int32):  # noqa: A002
    return _op("Shape", [convert_to_tensor(input)], {"out_type": dtypes.as_dtype(out_type)}, name or "Shape")


def shape_n(input, out_type=dtypes.int32, name=None):  # noqa: A002
    return [shape(t, out_type=out_type) for t in input]


def size(input, name=None, out_type=dtypes.int32):  # noqa: A002
    return _op("Size", [convert_to_tensor(input)], {"out_type": dtypes.as_dtype(out_type)}, name or "Size")


def rank(input, name=None):  # noqa: A002
    return _op("Rank", [convert_to_tensor(input)], {"out_type": dtypes.int32}, name or "Rank")


def tile(input, multiples, name=None):  # noqa: A002
    return _op("Tile", [convert_to_tensor(input), int_vector(multiples, "multiples")], name=name or "Tile")


def pad(tensor, paddings, mode="CONSTANT", name=None, constant_values=0):
    """Pad with `paddings` [[before, after], ...] in CONSTANT, REFLECT or SYMMETRIC mode."""
    tensor = convert_to_tensor(tensor)
    mode = mode.upper()
    if is_tensor(paddings):
        p = convert_to_tensor(paddings)
    else:
        p = constant(np.asarray(paddings, dtype=np.int32).reshape(-1, 2), dtype=dtypes.int32, name="paddings")
    cval = convert_to_tensor(constant_values, dtype=None if is_tensor(constant_values) else tensor.dtype)
    return _op("Pad", [tensor, p, cval], {"mode": mode}, name or "Pad")


def reverse(tensor, axis, name=None):
    """Reverse along the given axes (TF1's reverse_v2 signature)."""
    if is_tensor(axis):
        axis = constant_value(convert_to_tensor(axis))
        if axis is None:
            raise NotImplementedError("reverse with axes computed at run time")
    axes = tuple(int(a) for a in np.asarray(axis).ravel())
    return _op("Reverse", [convert_to_tensor(tensor)], {"axis": axes}, name or "ReverseV2")


reverse_v2 = reverse


def reverse_sequence(input, seq_lengths, seq_axis=None, batch_axis=None, name=None,  # noqa: A002
                     seq_dim=None, batch_dim=None):
    """Reverse the first seq_lengths[b] steps of each batch entry b along seq_axis."""
    seq_axis = seq_axis if seq_axis is not None else seq_dim
    batch_axis = batch_axis if batch_axis is not None else (batch_dim if batch_dim is not None else 0)
    if seq_axis is None:
        raise ValueError("reverse_sequence needs seq_axis")
    x = convert_to_tensor(input)
    rank = x.shape.ndims
    if rank is not None:
        seq_axis, batch_axis = seq_axis % rank, batch_axis % rank
    return _op("ReverseSequence", [x, convert_to_tensor(seq_lengths)],
               {"seq_axis": int(seq_axis), "batch_axis": int(batch_axis)}, name or "ReverseSequence")


def where(condition, x=None, y=None, name=None):
    """TF1 where: with x and y, select elementwise, where a rank-1 condition selects whole
    rows of higher-rank x/y; with neither, the int64 coordinates of true elements."""
    condition = convert_to_tensor(condition)
    if x is None and y is None:
        return _where_indices(condition, name)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    from .math_ops import binary_operands
    x, y = binary_operands(x, y)
    if not x.shape.is_compatible_with(y.shape):
        raise ValueError("Shapes must be equal rank, but are %d and %d for 'Select' with input "
                         "shapes: %s, %s, %s." % (x.shape.ndims or 0, y.shape.ndims or 0,
                                                  condition.shape.short(), x.shape.short(), y.shape.short()))
    with name_scope(name, "Select", [condition, x, y]) as scope:
        c_rank, x_rank = condition.shape.ndims, x.shape.ndims
        if c_rank == 0:
            pass  # a scalar condition picks all of x or all of y
        elif c_rank == 1 and x_rank is not None and x_rank > 1:
            n, m = condition.shape[0], x.shape[0]
            if n is not None and m is not None and n != m:
                raise ValueError("Dimensions must be equal, but are %d and %d for 'Select' (rank-1 "
                                 "condition selects rows of x)" % (n, m))
            condition = reshape(condition, [-1] + [1] * (x_rank - 1))
        elif c_rank is not None and x_rank is not None and c_rank != x_rank:
            raise ValueError("Shapes must be equal rank, but are %d and %d for 'Select' with input "
                             "shapes: %s, %s, %s." % (c_rank, x_rank, condition.shape.short(),
                                                      x.shape.short(), y.shape.short()))
        elif not condition.shape.is_compatible_with(x.shape):
            raise ValueError("Shapes %s and %s are incompatible for 'Select'" % (condition.shape, x.shape))
        return _op("Select", [condition, x, y], name=scope)


def where_v2(condition, x=None, y=None, name=None):
    """where with full three-way broadcasting (tf.where in TF2)."""
    condition = convert_to_tensor(condition)
    if x is None and y is None:
        return _where_indices(condition, name)
    from .math_ops import binary_operands
    x, y = binary_operands(x, y)
    return _op("Select", [condition, x, y], name=name or "SelectV2")


def _where_indices(condition, name):
    """Coordinates of the true (for numbers: non-zero) elements, int64 [N, rank]."""
    if not condition.dtype.is_bool:
        from .math_ops import not_equal
        condition = not_equal(condition, constant(0, dtype=condition.dtype))
    return _op("Where", [condition], name=name or "Where")


def sequence_mask(lengths, maxlen=None, dtype=dtypes.bool, name=None):
    """mask[i, j] = j < lengths[i], of width maxlen (default max(lengths))."""
    from .math_ops import cast, less, reduce_max
    with name_scope(name, "SequenceMask", [lengths, maxlen]):
        lengths = convert_to_tensor(lengths)
        if maxlen is None:
            maxlen = reduce_max(lengths)
        maxlen = convert_to_tensor(maxlen, dtype=lengths.dtype if not is_tensor(maxlen) else None)
        steps = range(0, maxlen, 1, dtype=lengths.dtype)
        mask = less(steps, expand_dims(lengths, -1))
        return mask if dtypes.as_dtype(dtype) == dtypes.bool else cast(mask, dtype)


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """One-hot encoding along `axis` (default last); indices outside [0, depth) give a row
    of off_value, as in TF1."""
    from .math_ops import equal
    with name_scope(name, "one_hot", [indices, depth, on_value, off_value]):
        indices = convert_to_tensor(indices)
        if dtype is None:
            dtype = (convert_to_tensor(on_value).dtype if is_tensor(on_value) else
                     convert_to_tensor(off_value).dtype if is_tensor(off_value) else
                     dtypes.dtype_of_value(on_value) if on_value is not None else
                     dtypes.dtype_of_value(off_value) if off_value is not None else dtypes.float32)
        dtype = dtypes.as_dtype(dtype)
        on = convert_to_tensor(1 if on_value is None else on_value, dtype=dtype)
        off = convert_to_tensor(0 if off_value is None else off_value, dtype=dtype)
        rank = indices.shape.ndims
        if rank is None:
            raise NotImplementedError("one_hot of indices of unknown rank (%s)" % indices.name)
        axis = rank if axis is None or axis == -1 else axis
        classes = range(0, depth, 1, dtype=indices.dtype)
        classes = reshape(classes, [-1] + [1] * (rank - axis))
        hot = equal(expand_dims(indices, axis), classes)
        return _op("Select", [hot, on, off])
