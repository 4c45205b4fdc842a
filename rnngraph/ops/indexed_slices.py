"""IndexedSlices: a sparse slice of a dense tensor, TF1's gradient of gather/embedding_lookup.

`values[i]` is row `indices[i]` of a tensor of `dense_shape`; repeated indices add up. The
gradient of a Gather over axis 0 is one of these, so an embedding's gradient costs the looked-up
rows, not the whole table. Anything that needs a plain tensor (convert_to_tensor, arithmetic)
gets the dense sum (`to_dense`), as TF1 does (TF1 also warns there; the result is the same).
"""
import collections

from ..framework.graph import get_default_graph, name_scope

__all__ = ["IndexedSlices", "IndexedSlicesValue", "unsorted_segment_sum"]

# What Session.run returns for a fetched IndexedSlices (TF1's tf.IndexedSlicesValue).
IndexedSlicesValue = collections.namedtuple("IndexedSlicesValue", ["values", "indices", "dense_shape"])


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """out[k] = sum of data[i] with segment_ids[i] == k (TF1's tf.unsorted_segment_sum)."""
    from .tensor_conversion import convert_to_tensor
    with name_scope(name, "UnsortedSegmentSum", [data, segment_ids, num_segments]) as scope:
        data = convert_to_tensor(data)
        segment_ids = convert_to_tensor(segment_ids)
        num_segments = convert_to_tensor(num_segments, dtype=segment_ids.dtype)
        return get_default_graph().create_op(
            "UnsortedSegmentSum", [data, segment_ids, num_segments], {},
            scope.rstrip("/")).outputs[0]


class IndexedSlices:
    """A sparse representation of rows of a dense tensor (values, indices, dense_shape)."""

    def __init__(self, values, indices, dense_shape=None):
        self.values = values
        self.indices = indices
        self.dense_shape = dense_shape

    @property
    def dtype(self):
        return self.values.dtype

    @property
    def graph(self):
        return self.values.graph

    @property
    def name(self):
        return self.values.name

    @property
    def op(self):
        return self.values.op

    @property
    def device(self):
        return ""

    def get_shape(self):
        """The dense shape as far as it is known statically."""
        from ..framework.tensor_shape import TensorShape
        from ..framework.constant_folding import constant_value
        shape = constant_value(self.dense_shape) if self.dense_shape is not None else None
        if shape is None:
            return TensorShape([None]).concatenate(self.values.shape[1:])
        return TensorShape([int(d) for d in shape])

    shape = property(get_shape)

    def to_dense(self, name=None):
        """The dense tensor these slices stand for (rows summed where indices repeat)."""
        if self.dense_shape is None:
            raise ValueError("IndexedSlices without dense_shape cannot be made dense")
        from . import array_ops
        num_rows = array_ops.strided_slice(self.dense_shape, [0], [1], shrink_axis_mask=1)
        return unsorted_segment_sum(self.values, self.indices, num_rows, name=name or "to_dense")

    def _as_tensor(self):
        return self.to_dense()

    def __repr__(self):
        return "IndexedSlices(indices=%s, values=%s, dense_shape=%s)" % (
            self.indices, self.values, self.dense_shape)
