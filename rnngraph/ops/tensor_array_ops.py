"""tf.TensorArray: TF1's constructor and methods over the TensorArray primitives.

A TensorArray object wraps one `tensor_array`-typed tensor (its `handle`, also `flow`);
write/scatter/split/identity return new objects wrapping the new value. All objects
derived from one array share a mutable element-shape cell, as TF1's do, so a shape learned
from a write inside a loop body is known to the array after the loop (dynamic_rnn relies
on this for its outputs' static shapes).
"""
from ..framework import dtypes
from ..framework.graph import Tensor, get_default_graph, name_scope
from ..framework.tensor_shape import TensorShape, as_shape, unknown_shape
from . import array_ops, math_ops
from .tensor_conversion import convert_to_tensor

__all__ = ["TensorArray"]


def _op(op_type, inputs, attrs, name):
    return get_default_graph().create_op(op_type, inputs, attrs, name).outputs


class TensorArray:
    """A growable or fixed-size list of tensors of one dtype, usable as a loop variable."""

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None,
                 tensor_array_name=None, handle=None, flow=None, infer_shape=True,
                 element_shape=None, colocate_with_first_write_call=True, name=None):
        if handle is not None:
            raise NotImplementedError("TensorArray(handle=...): wrapping an existing handle; "
                                      "use the TensorArray object itself")
        self._dtype = dtypes.as_dtype(dtype)
        self._dynamic_size = bool(dynamic_size)
        self._clear_after_read = True if clear_after_read is None else bool(clear_after_read)
        self._infer_shape = infer_shape
        self._element_shape = [as_shape(element_shape) if element_shape is not None else unknown_shape()]
        if flow is not None:
            if not isinstance(flow, Tensor) or flow.dtype is not dtypes.tensor_array:
                raise TypeError("flow must be the flow of another TensorArray, got %r" % (flow,))
            self._handle, self._size = flow, None
            return
        if size is None:
            raise ValueError("Size must be provided if handle is not provided")
        with name_scope(name, "TensorArray", [size]) as scope:
            self._size = convert_to_tensor(size, dtype=dtypes.int32, name="size")
            self._handle = _op("TensorArrayNew", [self._size], {
                "dtype": self._dtype, "element_shape": self._element_shape[0],
                "dynamic_size": self._dynamic_size, "clear_after_read": self._clear_after_read,
                "identical_element_shapes": bool(infer_shape),
                "tensor_array_name": tensor_array_name,
                # the shared cell: compilers read the element shape learned by later writes
                "element_shape_cell": self._element_shape}, scope)[0]

    def _with_handle(self, handle):
        """A TensorArray object for a new version `handle` of this array."""
        ta = object.__new__(TensorArray)
        ta.__dict__.update(self.__dict__)
        ta._handle = handle
        return ta

    # --- properties --------------------------------------------------------------------------
    @property
    def handle(self):
        return self._handle

    @property
    def flow(self):
        return self._handle

    @property
    def dtype(self):
        return self._dtype

    @property
    def dynamic_size(self):
        return self._dynamic_size

    @property
    def element_shape(self):
        return self._element_shape[0]

    def _merge_element_shape(self, shape):
        shape = as_shape(shape)
        if not self._infer_shape:
            return
        if not self._element_shape[0].is_compatible_with(shape):
            raise ValueError("Inconsistent shapes: saw %s but expected %s (and infer_shape=True)"
                             % (shape, self._element_shape[0]))
        self._element_shape[0] = self._element_shape[0].merge_with(shape)

    def _value(self, value):
        value = convert_to_tensor(value, dtype=None)
        if value.dtype != self._dtype:
            raise TypeError("TensorArray dtype is %s but Op is trying to write dtype %s"
                            % (self._dtype.name, value.dtype.name))
        return value

    # --- element access ---------------------------------------------------------------------
    def read(self, index, name=None):
        with name_scope(name, "TensorArrayRead", [self._handle]) as scope:
            (value,) = _op("TensorArrayRead", [self._handle, _index(index)],
                           {"dtype": self._dtype, "element_shape": self.element_shape}, scope)
        return value

    def write(self, index, value, name=None):
        with name_scope(name, "TensorArrayWrite", [self._handle, index, value]) as scope:
            value = self._value(value)
            self._merge_element_shape(value.shape)
            (handle,) = _op("TensorArrayWrite", [self._handle, _index(index), value],
                            {"dtype": self._dtype, "infer_shape": bool(self._infer_shape)}, scope)
        return self._with_handle(handle)

    def gather(self, indices, name=None):
        with name_scope(name, "TensorArrayGather", [self._handle, indices]) as scope:
            indices = convert_to_tensor(indices, dtype=None)
            (value,) = _op("TensorArrayGather", [self._handle, indices],
                           {"dtype": self._dtype, "element_shape": self.element_shape}, scope)
        return value

    def stack(self, name=None):
        """All elements stacked along a new first axis."""
        with name_scope(name, "TensorArrayStack", [self._handle]):
            return self.gather(array_ops.range(0, self.size()), name=name)

    def scatter(self, indices, value, name=None):
        with name_scope(name, "TensorArrayScatter", [self._handle, value, indices]) as scope:
            value = self._value(value)
            if value.shape.ndims is not None and value.shape.ndims >= 1:
                self._merge_element_shape(value.shape[1:])
            (handle,) = _op("TensorArrayScatter", [self._handle, convert_to_tensor(indices), value],
                            {"dtype": self._dtype, "infer_shape": bool(self._infer_shape)}, scope)
        return self._with_handle(handle)

    def unstack(self, value, name=None):
        """Element i becomes value[i]."""
        with name_scope(name, "TensorArrayUnstack", [self._handle, value]):
            value = self._value(value)
            num = array_ops.shape(value)[0]
            return self.scatter(array_ops.range(0, num), value, name=name)

    def concat(self, name=None):
        """All elements joined along their first axis."""
        shape = self.element_shape
        rest = shape[1:] if shape.ndims else unknown_shape()
        with name_scope(name, "TensorArrayConcat", [self._handle]) as scope:
            value, _ = _op("TensorArrayConcat", [self._handle],
                           {"dtype": self._dtype, "element_shape_except0": rest}, scope)
        return value

    def split(self, value, lengths, name=None):
        """Element i becomes the i-th piece of value, cut by `lengths` along axis 0."""
        with name_scope(name, "TensorArraySplit", [self._handle, value, lengths]) as scope:
            value = self._value(value)
            lengths = convert_to_tensor(lengths, dtype=None)
            if value.shape.ndims:
                self._merge_element_shape(TensorShape([None]).concatenate(value.shape[1:]))
            (handle,) = _op("TensorArraySplit", [self._handle, value, lengths],
                            {"dtype": self._dtype, "infer_shape": bool(self._infer_shape)}, scope)
        return self._with_handle(handle)

    def size(self, name=None):
        """The number of elements: the static size tensor for a fixed-size array (TF1)."""
        if not self._dynamic_size and self._size is not None:
            return self._size
        (n,) = _op("TensorArraySize", [self._handle], {}, name or "TensorArraySize")
        return n

    def identity(self):
        return self._with_handle(array_ops.identity(self._handle))

    def close(self, name=None):
        from .control_flow_ops import no_op
        return no_op(name=name or "TensorArrayClose")

    def grad(self, source, flow=None, name=None):
        raise NotImplementedError("TensorArray.grad: gradients through TensorArrays come with "
                                  "tf.gradients")

    def __repr__(self):
        return "<TensorArray %s dtype=%s element_shape=%s>" % (
            self._handle.name, self._dtype.name, self.element_shape)


def _index(index):
    index = convert_to_tensor(index, dtype=None if isinstance(index, Tensor) else dtypes.int32)
    return index if index.dtype == dtypes.int32 else math_ops.cast(index, dtypes.int32)
