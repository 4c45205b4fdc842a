"""Indexing primitives: Gather (embedding lookups), UnsortedSegmentSum (scatter-add, the
gradient of Gather) and Where (coordinates of true elements).

Indices are validated before use, so an out-of-range id is an InvalidArgumentError that
names the bad position and value, never a read out of bounds.
"""
import numpy as np

from ..errors import InvalidArgumentError
from ..framework import dtypes
from ..framework.primitive import Primitive, ShapeError, TensorSpec, register
from ..framework.tensor_shape import TensorShape, unknown_shape
from .common import BOOL, INDEX, NUMERIC, check_dtype, normalize_axis


def check_indices(indices, limit, what="indices"):
    """Raise InvalidArgumentError naming the first index outside [0, limit)."""
    bad = (indices < 0) | (indices >= limit)
    if np.any(bad):
        pos = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidArgumentError(message="%s[%s] = %d is not in [0, %d)" % (
            what, ",".join(map(str, pos)), int(indices[pos]), limit))


@register
class Gather(Primitive):
    """params.take(indices, axis=attrs['axis']) with bounds checking."""

    type = "Gather"

    def infer(self, inputs, attrs, known):
        params, indices = inputs
        check_dtype(self.type, "indices", indices.dtype, INDEX)
        if params.shape.ndims is None or indices.shape.ndims is None:
            return [TensorSpec(params.dtype, unknown_shape())]
        if params.shape.ndims == 0:
            raise ShapeError("params must be at least 1 dimensional")
        axis = normalize_axis(attrs.get("axis", 0), params.shape.ndims)
        p = params.shape.dims
        return [TensorSpec(params.dtype, p[:axis] + indices.shape.dims + p[axis + 1:])]

    def reference(self, ctx, inputs, attrs):
        params, indices = inputs
        axis = attrs.get("axis", 0) % params.ndim
        check_indices(indices, params.shape[axis])
        return [np.take(params, indices, axis=axis)]


@register
class UnsortedSegmentSum(Primitive):
    """out[k] = sum of data[i] over i with segment_ids[i] == k, for k < num_segments
    (a scalar input). Negative ids are dropped, as in TF; ids >= num_segments are errors."""

    type = "UnsortedSegmentSum"

    def infer(self, inputs, attrs, known):
        data, ids, num = inputs
        check_dtype(self.type, "data", data.dtype, NUMERIC)
        check_dtype(self.type, "segment_ids", ids.dtype, INDEX)
        n = known(2)
        n = None if n is None else int(n)
        if data.shape.ndims is None or ids.shape.ndims is None:
            return [TensorSpec(data.dtype, unknown_shape())]
        if not TensorShape(data.shape.dims[:ids.shape.ndims]).is_compatible_with(ids.shape):
            raise ShapeError("segment_ids.shape %s must be a prefix of data.shape %s"
                             % (ids.shape.short(), data.shape.short()))
        return [TensorSpec(data.dtype, [n] + data.shape.dims[ids.shape.ndims:])]

    def reference(self, ctx, inputs, attrs):
        data, ids, num = inputs
        num = int(num)
        if data.shape[:ids.ndim] != ids.shape:
            raise InvalidArgumentError(message="segment_ids.shape = %s does not prefix data.shape "
                                       "= %s" % (list(ids.shape), list(data.shape)))
        bad = ids >= num
        if np.any(bad):
            pos = tuple(int(i) for i in np.argwhere(bad)[0])
            raise InvalidArgumentError(message="segment_ids[%s] = %d is out of range [0, %d)"
                                       % (",".join(map(str, pos)), int(ids[pos]), num))
        out = np.zeros((num,) + data.shape[ids.ndim:], dtype=data.dtype)
        keep = ids >= 0
        np.add.at(out, ids[keep], data[keep])
        return [out]


@register
class Where(Primitive):
    """Coordinates of the true elements of a bool tensor, as int64 [num_true, rank]."""

    type = "Where"

    def infer(self, inputs, attrs, known):
        (cond,) = inputs
        check_dtype(self.type, "input", cond.dtype, BOOL)
        return [TensorSpec(dtypes.int64, [None, cond.shape.ndims])]

    def reference(self, ctx, inputs, attrs):
        return [np.argwhere(inputs[0]).astype(np.int64)]
