"""TensorArray primitives. A TensorArray is a *value* (dtype `tensor_array`): a write
returns a new array, so arrays flow through While loops like any loop variable, and the
compiler can turn a chain of writes into in-place stores into one buffer.

Ops: TensorArrayNew(size), TensorArrayWrite(ta, index, value), TensorArrayRead(ta, index),
TensorArrayGather(ta, indices), TensorArrayScatter(ta, indices, value), TensorArrayConcat(ta),
TensorArraySplit(ta, value, lengths), TensorArraySize(ta).

TF1's rules and errors hold: a fixed-size array rejects indices past its size, an element is
written once, reading an unwritten element gives zeros when the element shape is fully known
(an error otherwise), and with clear_after_read an element can be read only once. Those
per-array facts (what was read) live in a resource shared by every version of one array, as
in TF's stateful TensorArray.
"""
import numpy as np

from ..errors import InvalidArgumentError, UnimplementedError
from ..framework import dtypes
from ..framework.primitive import Primitive, ShapeError, TensorSpec, register
from ..framework.tensor_shape import TensorShape, as_shape, unknown_shape
from .common import INDEX, check_dtype, shape_str


class TensorArrayResource:
    """What all versions of one array share: element dtype, sizing rules, learned element
    shape, and which indices were read (for clear_after_read)."""

    __slots__ = ("dtype", "dynamic_size", "clear_after_read", "identical_shapes",
                 "element_shape", "cleared", "name", "aggregate", "zero_shapes")

    def __init__(self, dtype, dynamic_size, clear_after_read, identical_shapes, element_shape, name,
                 aggregate=False):
        self.aggregate = aggregate  # a gradient array: writing a written element adds to it
        self.zero_shapes = None     # a gradient array: its forward elements' shapes (TF's
        #                             CopyShapesFrom), the shape of an unwritten element's zeros
        self.dtype = dtype
        self.dynamic_size = dynamic_size
        self.clear_after_read = clear_after_read
        self.identical_shapes = identical_shapes
        self.element_shape = element_shape
        self.cleared = set()
        self.name = name


class TensorArrayValue:
    """One version of an array: its elements (None where unwritten)."""

    __slots__ = ("resource", "elements")

    def __init__(self, resource, elements):
        self.resource = resource
        self.elements = elements

    @property
    def size(self):
        return len(self.elements)

    def _fail(self, text):
        raise InvalidArgumentError(message="TensorArray %s: %s" % (self.resource.name, text))

    def write(self, index, value):
        res = self.resource
        if index < 0:
            self._fail("Tried to write to index %d but array size is: %d" % (index, self.size))
        elements = list(self.elements)
        if index >= len(elements):
            if not res.dynamic_size:
                self._fail("Tried to write to index %d but array is not resizeable and size is: %d"
                           % (index, len(elements)))
            elements.extend([None] * (index + 1 - len(elements)))
        value = np.asarray(value, dtype=res.dtype.np)
        if elements[index] is not None and res.aggregate:
            if elements[index].shape != value.shape:
                self._fail("Could not aggregate to TensorArray index %d because the existing shape "
                           "is %s but the new input shape is %s." % (
                               index, shape_str(elements[index].shape), shape_str(value.shape)))
            elements[index] = elements[index] + value
            return TensorArrayValue(res, elements)
        if elements[index] is not None or index in res.cleared:
            self._fail("Could not write to TensorArray index %d because it has already been "
                       "written to." % index)
        value = np.asarray(value, dtype=res.dtype.np)
        if res.identical_shapes:
            if not res.element_shape.is_compatible_with(value.shape):
                self._fail("Could not write to TensorArray index %d because the value shape is %s "
                           "which is incompatible with the TensorArray's inferred element shape: %s "
                           "(consider setting infer_shape=False)." % (
                               index, shape_str(value.shape), res.element_shape.short()))
            res.element_shape = res.element_shape.merge_with(value.shape)
        elements[index] = value
        return TensorArrayValue(res, elements)

    def read(self, index):
        res = self.resource
        if not 0 <= index < self.size:
            self._fail("Tried to read from index %d but array size is: %d" % (index, self.size))
        if index in res.cleared:
            self._fail("Could not read index %d twice because it was cleared after a previous read "
                       "(perhaps try setting clear_after_read = false?)" % index)
        value = self.elements[index]
        if value is None and res.zero_shapes is not None and index < len(res.zero_shapes) \
                and res.zero_shapes[index] is not None:
            value = np.zeros(res.zero_shapes[index], res.dtype.np)
        if value is None:
            if not res.element_shape.is_fully_defined():
                self._fail("Could not read from TensorArray index %d because it has not yet been "
                           "written to, and its element shape %s is not fully defined."
                           % (index, res.element_shape.short()))
            value = np.zeros(res.element_shape.as_list(), res.dtype.np)
        if res.clear_after_read:
            res.cleared.add(index)
        return value


def _check_ta(op_type, spec):
    if spec.dtype is not dtypes.tensor_array:
        raise TypeError("%s expects a TensorArray as its first input, got %s" % (op_type, spec.dtype.name))


def _scalar_index(op_type, spec, what="index"):
    check_dtype(op_type, what, spec.dtype, INDEX)
    if spec.shape.ndims not in (None, 0):
        raise ShapeError("%s must be a scalar, got shape %s" % (what, spec.shape.short()))


TA_SPEC = TensorSpec(dtypes.tensor_array, None)  # an array whose element shape is unknown


def _array_spec(element_shape):
    """The spec of a TensorArray value: its `shape` is the shape its elements are known to
    have (unknown for arrays whose elements may differ, infer_shape=False), so a read knows
    it from the writes that made the array, also after specialization to fed shapes."""
    return TensorSpec(dtypes.tensor_array, element_shape)


def _written(spec, attrs, shape):
    """The spec of an array after writing elements of `shape`: TF1's infer_shape merges the
    shapes (an incompatible write fails at run time, where its error is raised)."""
    if attrs.get("infer_shape", False) and spec.shape.is_compatible_with(shape):
        return _array_spec(spec.shape.merge_with(shape))
    return spec


def _element_spec(spec, attrs, key="element_shape"):
    """The shape of an element read from an array of this spec: the op's build-time
    element shape, refined by what the array's spec knows."""
    shape = as_shape(attrs.get(key))
    if spec.shape.is_compatible_with(shape):
        return shape.merge_with(spec.shape)
    return shape


@register
class TensorArrayNew(Primitive):
    """A new array of `size` elements. attrs: dtype, element_shape, dynamic_size,
    clear_after_read, identical_element_shapes, tensor_array_name."""

    type = "TensorArrayNew"
    stateful = True  # every run makes a fresh array (never shared or folded)

    def infer(self, inputs, attrs, known):
        _scalar_index(self.type, inputs[0], "size")
        if not attrs.get("identical_element_shapes", True):
            return [TA_SPEC]
        return [_array_spec(as_shape(attrs.get("element_shape")))]

    def reference(self, ctx, inputs, attrs):
        size = int(inputs[0])
        if size < 0:
            raise InvalidArgumentError(message="TensorArray size must be >= 0, got %d" % size)
        res = TensorArrayResource(attrs["dtype"], attrs.get("dynamic_size", False),
                                  attrs.get("clear_after_read", True),
                                  attrs.get("identical_element_shapes", True),
                                  as_shape(attrs.get("element_shape")),
                                  attrs.get("tensor_array_name") or ctx.op.name)
        return [TensorArrayValue(res, [None] * size)]


@register
class TensorArrayGrad(Primitive):
    """The gradient array of `ta` (TF's TensorArrayGradV3): as many elements, its dtype and
    element shape, every element zero until written, and writes to one index add up (the
    gradients of several reads of one element are summed). attrs: dtype."""

    type = "TensorArrayGrad"
    stateful = True  # a fresh array every run

    def infer(self, inputs, attrs, known):
        _check_ta(self.type, inputs[0])
        return [inputs[0]]  # elements shaped as the forward array's

    def reference(self, ctx, inputs, attrs):
        fwd = inputs[0].resource
        res = TensorArrayResource(fwd.dtype, True, False, fwd.identical_shapes, fwd.element_shape,
                                  fwd.name + "/grad", aggregate=True)
        res.zero_shapes = [None if v is None else v.shape for v in inputs[0].elements]
        return [TensorArrayValue(res, [None] * inputs[0].size)]


@register
class TensorArrayWrite(Primitive):
    """A new version of `ta` with `value` at `index`."""

    type = "TensorArrayWrite"

    def infer(self, inputs, attrs, known):
        _check_ta(self.type, inputs[0])
        _scalar_index(self.type, inputs[1])
        if inputs[2].dtype != attrs["dtype"]:
            raise TypeError("TensorArray dtype is %s but Op is trying to write dtype %s"
                            % (attrs["dtype"].name, inputs[2].dtype.name))
        return [_written(inputs[0], attrs, inputs[2].shape)]

    def reference(self, ctx, inputs, attrs):
        return [inputs[0].write(int(inputs[1]), inputs[2])]


@register
class TensorArrayRead(Primitive):
    """Element `index` (attrs dtype and element_shape give its static type)."""

    type = "TensorArrayRead"
    stateful = True  # a read may clear the element (clear_after_read)

    def infer(self, inputs, attrs, known):
        _check_ta(self.type, inputs[0])
        _scalar_index(self.type, inputs[1])
        return [TensorSpec(attrs["dtype"], _element_spec(inputs[0], attrs))]

    def reference(self, ctx, inputs, attrs):
        return [inputs[0].read(int(inputs[1]))]


@register
class TensorArrayGather(Primitive):
    """The elements at `indices`, stacked along a new first axis."""

    type = "TensorArrayGather"
    stateful = True

    def infer(self, inputs, attrs, known):
        _check_ta(self.type, inputs[0])
        check_dtype(self.type, "indices", inputs[1].dtype, INDEX)
        n = inputs[1].shape[0] if inputs[1].shape.ndims == 1 else None
        return [TensorSpec(attrs["dtype"], TensorShape([n]).concatenate(_element_spec(inputs[0], attrs)))]

    def reference(self, ctx, inputs, attrs):
        ta, indices = inputs
        values = [ta.read(int(i)) for i in np.ravel(indices)]
        if not values:
            shape = ta.resource.element_shape
            if not shape.is_fully_defined():
                raise UnimplementedError(message=(
                    "TensorArray %s: TensorArray has size zero, but element shape %s is not fully "
                    "defined. Currently only static shapes are supported when packing zero-size "
                    "TensorArrays." % (ta.resource.name, shape.short())))
            return [np.zeros([0] + shape.as_list(), ta.resource.dtype.np)]
        shapes = {v.shape for v in values}
        if len(shapes) > 1:
            ta._fail("Could not gather elements of different shapes: %s" % sorted(shapes))
        return [np.stack(values)]


@register
class TensorArrayScatter(Primitive):
    """A new version with value[i] written at indices[i]."""

    type = "TensorArrayScatter"

    def infer(self, inputs, attrs, known):
        _check_ta(self.type, inputs[0])
        check_dtype(self.type, "indices", inputs[1].dtype, INDEX)
        if inputs[2].dtype != attrs["dtype"]:
            raise TypeError("TensorArray dtype is %s but Op is trying to write dtype %s"
                            % (attrs["dtype"].name, inputs[2].dtype.name))
        value = inputs[2].shape
        return [_written(inputs[0], attrs, value[1:] if value.ndims else unknown_shape())]

    def reference(self, ctx, inputs, attrs):
        ta, indices, value = inputs
        indices = np.ravel(indices)
        if value.ndim == 0 or value.shape[0] != len(indices):
            ta._fail("Expected len(indices) == values.shape[0], but saw: %d vs. %s"
                     % (len(indices), value.shape[0] if value.ndim else "a scalar"))
        for i, v in zip(indices, value):
            ta = ta.write(int(i), v)
        return [ta]


@register
class TensorArrayConcat(Primitive):
    """All elements joined along their first axis; second output: their lengths (int64)."""

    type = "TensorArrayConcat"
    stateful = True

    def infer(self, inputs, attrs, known):
        _check_ta(self.type, inputs[0])
        rest = as_shape(attrs.get("element_shape_except0"))
        if inputs[0].shape.ndims and rest.is_compatible_with(inputs[0].shape[1:]):
            rest = rest.merge_with(inputs[0].shape[1:])
        return [TensorSpec(attrs["dtype"], TensorShape([None]).concatenate(rest)),
                TensorSpec(dtypes.int64, [None])]

    def reference(self, ctx, inputs, attrs):
        ta = inputs[0]
        values = [ta.read(i) for i in range(ta.size)]
        for i, v in enumerate(values):
            if v.ndim == 0:
                ta._fail("Concat saw a scalar shape at index %d but requires at least vectors." % i)
        if not values:
            rest = as_shape(attrs.get("element_shape_except0"))
            if not rest.is_fully_defined():
                ta._fail("TensorArray has size zero, but element shape is not fully defined.")
            return [np.zeros([0] + rest.as_list(), ta.resource.dtype.np), np.zeros([0], np.int64)]
        tails = {v.shape[1:] for v in values}
        if len(tails) > 1:
            ta._fail("Concat requires elements to share all but the first dimension, got %s"
                     % sorted(tails))
        return [np.concatenate(values), np.array([v.shape[0] for v in values], np.int64)]


@register
class TensorArraySplit(Primitive):
    """A new version whose element i is the i-th piece of `value` split by `lengths`."""

    type = "TensorArraySplit"

    def infer(self, inputs, attrs, known):
        _check_ta(self.type, inputs[0])
        check_dtype(self.type, "lengths", inputs[2].dtype, INDEX)
        if inputs[1].dtype != attrs["dtype"]:
            raise TypeError("TensorArray dtype is %s but Op is trying to write dtype %s"
                            % (attrs["dtype"].name, inputs[1].dtype.name))
        value = inputs[1].shape
        return [_written(inputs[0], attrs, TensorShape([None]).concatenate(value[1:])
                         if value.ndims else unknown_shape())]

    def reference(self, ctx, inputs, attrs):
        ta, value, lengths = inputs
        lengths = [int(n) for n in np.ravel(lengths)]
        if value.ndim == 0 or sum(lengths) != value.shape[0] or any(n < 0 for n in lengths):
            ta._fail("Expected sum of lengths to be equal to values.shape[0], but sum of lengths "
                     "is %d and value's shape is: %s" % (sum(lengths), shape_str(value.shape)))
        start = 0
        for i, n in enumerate(lengths):
            ta = ta.write(i, value[start:start + n])
            start += n
        return [ta]


@register
class TensorArraySize(Primitive):
    """The current number of elements (int32 scalar)."""

    type = "TensorArraySize"

    def infer(self, inputs, attrs, known):
        _check_ta(self.type, inputs[0])
        return [TensorSpec(dtypes.int32, [])]

    def reference(self, ctx, inputs, attrs):
        return [np.asarray(inputs[0].size, np.int32)]

