"""Gradients of shape and layout primitives, indexing (Gather gives IndexedSlices), and
control/state primitives that pass values through or stop them."""
import numpy as np

from ..framework import dtypes
from ..framework.graph import get_default_graph
from ..ops import array_ops, math_ops
from ..ops.indexed_slices import IndexedSlices, unsorted_segment_sum
from ..ops.tensor_conversion import constant
from .core import dense
from .math_grad import shape_of
from .registry import gradient, not_differentiable

not_differentiable(
    "Shape", "Size", "Rank", "Range", "Where", "StopGradient", "Placeholder", "Arg", "Const",
    "VariableV2", "Assign", "AssignAdd", "AssignSub", "IsVariableInitialized", "NoOp", "Assert",
    "RandomUniform", "RandomStandardNormal", "TruncatedNormal", "RandomUniformInt",
    "Qr")


@gradient("Identity", indexed_slices=True)
def _identity(op, grads):
    return [grads[0]]


@gradient("PlaceholderWithDefault", indexed_slices=True)
def _placeholder_with_default(op, grads):
    return [grads[0]]


@gradient("Reshape")
def _reshape(op, grads):
    return [array_ops.reshape(dense(grads[0]), shape_of(op.inputs[0])), None]


@gradient("ExpandDims", "Squeeze")
def _reshape_like(op, grads):
    return [array_ops.reshape(dense(grads[0]), shape_of(op.inputs[0]))]


@gradient("Transpose")
def _transpose(op, grads):
    return [array_ops.transpose(grads[0], list(np.argsort(op.attrs["perm"])))]


@gradient("Reverse")
def _reverse(op, grads):
    return [array_ops.reverse(grads[0], list(op.attrs["axis"]))]


@gradient("ReverseSequence")
def _reverse_sequence(op, grads):
    return [array_ops.reverse_sequence(grads[0], op.inputs[1], seq_axis=op.attrs["seq_axis"],
                                       batch_axis=op.attrs["batch_axis"]), None]


@gradient("Fill")
def _fill(op, grads):
    return [None, math_ops.reduce_sum(grads[0])]


@gradient("Concat")
def _concat(op, grads):
    """Slices of g along the concat axis, at each input's offset."""
    g, xs = grads[0], op.inputs
    rank = xs[0].shape.ndims
    if rank is None:
        raise NotImplementedError("gradient of Concat (%s) of inputs of unknown rank" % op.name)
    axis = op.attrs["axis"] % rank
    sizes = [x.shape.dims[axis] for x in xs]
    out, offset = [], constant(0)
    static_offset = 0
    for x, size in zip(xs, sizes):
        if static_offset is not None:
            begin = [0] * rank
            begin[axis] = static_offset
            begin = constant(np.array(begin, np.int32))
        else:
            begin = array_ops.where_v2(constant(np.arange(rank) == axis), offset,
                                       constant(np.zeros(rank, np.int32)))
        out.append(array_ops.slice(g, begin, shape_of(x)))
        extent = constant(size) if size is not None else shape_of(x)[axis]
        offset = offset + extent
        static_offset = None if static_offset is None or size is None else static_offset + size
    return out


@gradient("Slice")
def _slice(op, grads):
    """Zeros with g stored at [begin, begin + size): the StridedSlice gradient with strides 1
    (begins known only at run time stay cheap on the compiled targets)."""
    x, begin, _ = op.inputs
    begin = math_ops.cast(begin, dtypes.int32)
    end = begin + shape_of(op.outputs[0])
    strides = array_ops.ones_like(begin)
    dx = get_default_graph().create_op(
        "StridedSliceGrad", [shape_of(x), begin, end, strides, dense(grads[0])], {},
        "StridedSliceGrad").outputs[0]
    return [dx, None, None]


def _masks(op):
    """The slice-spec masks of a StridedSlice or StridedSliceGrad (both read them alike)."""
    return {k: op.attrs.get(k, 0) for k in ("begin_mask", "end_mask", "ellipsis_mask",
                                            "new_axis_mask", "shrink_axis_mask")}


@gradient("StridedSlice")
def _strided_slice(op, grads):
    x, b, e, s = op.inputs
    dx = get_default_graph().create_op(
        "StridedSliceGrad", [shape_of(x), b, e, s, dense(grads[0])], _masks(op),
        "StridedSliceGrad").outputs[0]
    return [dx, None, None, None]


@gradient("Pad")
def _pad(op, grads):
    """CONSTANT: the centre of g. REFLECT and SYMMETRIC: each padded axis in turn folded
    back onto the entries its padding mirrors (TF's MirrorPadGrad)."""
    x, paddings, _ = op.inputs
    g = dense(grads[0])
    if op.attrs["mode"] == "CONSTANT":
        begin = array_ops.reshape(array_ops.slice(paddings, [0, 0], [-1, 1]), [-1])
        return [array_ops.slice(g, begin, shape_of(x)), None, None]
    rank = x.shape.ndims
    if rank is None:
        raise NotImplementedError("gradient of Pad in %s mode (%s) of a tensor of unknown rank"
                                  % (op.attrs["mode"], op.name))
    shift = 1 if op.attrs["mode"] == "REFLECT" else 0  # REFLECT's mirror leaves out the edge
    paddings = math_ops.cast(paddings, dtypes.int32)
    sizes = shape_of(x)
    for axis in range(rank):
        g = _fold_mirrored(g, axis, paddings[axis, 0], paddings[axis, 1], sizes[axis], shift)
    return [g, None, None]


def _fold_mirrored(g, axis, before, after, n, shift):
    """g ([.., before + n + after, ..] along `axis`) folded to n along `axis`: the centre,
    plus each padding reversed and added onto the entries it mirrors."""
    rank = g.shape.ndims

    def along(begin, size):
        return array_ops.slice(g, array_ops.stack([begin if a == axis else 0 for a in range(rank)]),
                               array_ops.stack([size if a == axis else -1 for a in range(rank)]))

    def placed(part, front, back):
        rows = [[front, back] if a == axis else [0, 0] for a in range(rank)]
        return array_ops.pad(part, array_ops.stack([array_ops.stack(r) for r in rows]))
    left = array_ops.reverse(along(0, before), [axis])
    right = array_ops.reverse(along(before + n, after), [axis])
    return along(before, n) + placed(left, shift, n - before - shift) + \
        placed(right, n - after - shift, shift)


@gradient("Tile")
def _tile(op, grads):
    """g as [m0, d0, m1, d1, ...], summed over the multiples' axes."""
    x, multiples = op.inputs
    rank = x.shape.ndims
    if rank is None:
        raise NotImplementedError("gradient of Tile (%s) of a tensor of unknown rank" % op.name)
    split = array_ops.reshape(array_ops.stack([math_ops.cast(multiples, dtypes.int32),
                                               shape_of(x)], axis=1), [-1])
    g = array_ops.reshape(grads[0], split)
    return [math_ops.reduce_sum(g, list(range(0, 2 * rank, 2))) if rank else g, None]


@gradient("Gather")
def _gather(op, grads):
    """Rows of params that were looked up: IndexedSlices along axis 0 (embedding lookups),
    a dense scatter-add along other axes."""
    params, indices = op.inputs
    g = dense(grads[0])
    axis = op.attrs.get("axis", 0)
    p_rank, i_rank = params.shape.ndims, indices.shape.ndims
    if p_rank is None or i_rank is None:
        raise NotImplementedError("gradient of Gather (%s) with unknown ranks" % op.name)
    axis %= p_rank
    params_shape = array_ops.shape(params, out_type=indices.dtype)
    flat_indices = array_ops.reshape(indices, [-1])
    if axis == 0:
        values_shape = array_ops.concat([constant(np.array([-1]), dtype=indices.dtype),
                                         params_shape[1:]], 0)
        return [IndexedSlices(array_ops.reshape(g, values_shape), flat_indices, params_shape), None]
    # g: params[:axis] + indices.shape + params[axis+1:]; move the index axes first.
    index_axes = list(range(axis, axis + i_rank))
    outer_axes = list(range(axis))
    inner_axes = list(range(axis + i_rank, axis + i_rank + p_rank - axis - 1))
    g = array_ops.transpose(g, index_axes + outer_axes + inner_axes)
    rest = array_ops.concat([params_shape[:axis], params_shape[axis + 1:]], 0)
    g = array_ops.reshape(g, array_ops.concat([constant(np.array([-1]), dtype=indices.dtype), rest], 0))
    summed = unsorted_segment_sum(g, flat_indices, params_shape[axis])
    perm = list(range(1, axis + 1)) + [0] + list(range(axis + 1, p_rank))
    return [array_ops.transpose(summed, perm), None]


@gradient("UnsortedSegmentSum")
def _unsorted_segment_sum(op, grads):
    """g gathered back by segment id; rows with a negative id (dropped) get zeros."""
    _, ids, _ = op.inputs
    g = dense(grads[0])
    zero = array_ops.zeros_like(ids)
    safe = array_ops.where_v2(ids >= zero, ids, zero)
    gathered = array_ops.gather(g, safe)
    kept = array_ops.reshape(ids >= zero, array_ops.concat(
        [array_ops.shape(ids), array_ops.ones_like(array_ops.shape(gathered)[ids.shape.ndims:])], 0)) \
        if ids.shape.ndims is not None else None
    if kept is None:
        raise NotImplementedError("gradient of UnsortedSegmentSum (%s) with segment ids of "
                                  "unknown rank" % op.name)
    return [array_ops.where_v2(kept, gathered, array_ops.zeros_like(gathered)), None, None]


@gradient("StridedSliceGrad")
def _strided_slice_grad(op, grads):
    """Second order: the slice of the gradient (StridedSliceGrad is linear in dy)."""
    _, b, e, s, _ = op.inputs
    ddy = get_default_graph().create_op("StridedSlice", [dense(grads[0]), b, e, s], _masks(op),
                                        "StridedSlice").outputs[0]
    return [None, None, None, None, ddy]


@gradient("SumToShape")
def _sum_to_shape(op, grads):
    """Second order: broadcast the gradient back up to x's shape."""
    return [dense(grads[0]) + array_ops.zeros_like(op.inputs[0]), None]
