"""Graph inputs and session state: Placeholder, PlaceholderWithDefault, Const, and the
variable primitives VariableV2, Assign, AssignAdd, AssignSub, IsVariableInitialized.

A VariableV2 op's output is a *reference* to the variable's buffer (TF1's ref semantics):
an op that consumes it reads the current value at the moment that op runs, so a read placed
after an assign by a control dependency sees the new value. Session state is reached through
the run context `ctx`, whose `variables` store maps variable ops to arrays.
"""
import numpy as np

from ..errors import FailedPreconditionError, InvalidArgumentError
from ..framework import dtypes
from ..framework.primitive import Primitive, ShapeError, TensorSpec, register
from ..framework.tensor_shape import as_shape
from .common import NUMERIC, broadcast_static, check_dtype


_TF_TYPE_NAMES = {"float32": "float", "float64": "double"}


def placeholder_message(name, dtype, shape):
    """TF1's text for a placeholder the run needs but nobody fed."""
    text = "You must feed a value for placeholder tensor '%s' with dtype %s" % (
        name, _TF_TYPE_NAMES.get(dtype.name, dtype.name))
    return text if shape.ndims is None else text + " and shape %s" % shape.short()


@register
class Placeholder(Primitive):
    """A value fed at run time (attrs dtype, shape); running it unfed is an error."""

    type = "Placeholder"

    @property
    def foldable(self):
        return False

    def infer(self, inputs, attrs, known):
        return [TensorSpec(attrs["dtype"], as_shape(attrs["shape"]))]

    def reference(self, ctx, inputs, attrs):
        raise InvalidArgumentError(message=placeholder_message(
            ctx.op.name, attrs["dtype"], as_shape(attrs["shape"])))


@register
class PlaceholderWithDefault(Primitive):
    """Its input unless fed; attrs['shape'] may be less specific than the input's."""

    type = "PlaceholderWithDefault"

    @property
    def foldable(self):
        return False

    def infer(self, inputs, attrs, known):
        shape = as_shape(attrs["shape"])
        if not shape.is_compatible_with(inputs[0].shape):
            raise ShapeError("shape %s is not compatible with the default value's shape %s"
                             % (shape.short(), inputs[0].shape.short()))
        return [TensorSpec(inputs[0].dtype, shape)]

    def reference(self, ctx, inputs, attrs):
        return [inputs[0]]


@register
class Arg(Primitive):
    """An argument of a function body (FuncGraph): bound by the caller (While, Cond) each
    time the body runs; attrs dtype, shape and index (position in the body's inputs)."""

    type = "Arg"

    @property
    def foldable(self):
        return False

    def infer(self, inputs, attrs, known):
        return [TensorSpec(attrs["dtype"], as_shape(attrs["shape"]))]

    def reference(self, ctx, inputs, attrs):
        from ..errors import InternalError
        raise InternalError(message="rnngraph bug: argument %s of a function body was not bound"
                            % ctx.op.name)


@register
class Const(Primitive):
    """A constant array (attrs['value'], already of attrs['dtype'])."""

    type = "Const"

    def infer(self, inputs, attrs, known):
        return [TensorSpec(attrs["dtype"], attrs["value"].shape)]

    def reference(self, ctx, inputs, attrs):
        return [attrs["value"]]


class VariableRef:
    """The run-time value of a VariableV2 output: a handle, dereferenced when read."""

    __slots__ = ("store", "op")

    def __init__(self, store, op):
        self.store = store
        self.op = op

    def read(self):
        value = self.store.get(self.op)
        if value is None:
            raise FailedPreconditionError(message="Attempting to use uninitialized value %s"
                                          % self.op.name)
        return value

    def write(self, value):
        self.store.set(self.op, value)


def deref(value):
    """Read a VariableRef; any other value is returned unchanged."""
    return value.read() if isinstance(value, VariableRef) else value


@register
class VariableV2(Primitive):
    """A mutable, session-owned buffer (attrs dtype, shape). Output: a reference."""

    type = "VariableV2"
    stateful = True

    def infer(self, inputs, attrs, known):
        return [TensorSpec(attrs["dtype"], as_shape(attrs["shape"]))]

    def reference(self, ctx, inputs, attrs):
        return [VariableRef(ctx.variables, ctx.op)]


class _AssignBase(Primitive):
    stateful = True
    ref_inputs = (0,)

    def infer(self, inputs, attrs, known):
        ref, value = inputs
        if ref.dtype != value.dtype:
            raise TypeError("Input 'value' of '%s' Op has type %s that does not match type %s of "
                            "argument 'ref'." % (self.type, value.dtype.name, ref.dtype.name))
        return self.out(ref, value, attrs)

    def _ref(self, ref):
        if not isinstance(ref, VariableRef):
            raise InvalidArgumentError(message="%s needs a variable as its first input" % self.type)
        return ref


@register
class Assign(_AssignBase):
    """Store `value` in the variable; output is the new value. With attrs validate_shape
    (default True) the shapes must match; otherwise the variable takes the new shape."""

    type = "Assign"

    def out(self, ref, value, attrs):
        if attrs.get("validate_shape", True):
            if not ref.shape.is_compatible_with(value.shape):
                raise ShapeError("Shapes must be equal rank, but are %s and %s"
                                 % (ref.shape.short(), value.shape.short())
                                 if ref.shape.ndims != value.shape.ndims else
                                 "Dimension mismatch: %s vs %s" % (ref.shape.short(), value.shape.short()))
            return [TensorSpec(ref.dtype, ref.shape.merge_with(value.shape))]
        return [TensorSpec(ref.dtype, value.shape)]

    def reference(self, ctx, inputs, attrs):
        ref, value = inputs
        ref = self._ref(ref)
        if attrs.get("validate_shape", True):
            shape = as_shape(ref.op.attrs["shape"])
            if not shape.is_compatible_with(value.shape):
                raise InvalidArgumentError(
                    message="Assign requires shapes of both tensors to match. lhs shape= %s rhs "
                            "shape= %s" % (shape.short(), as_shape(value.shape).short()))
        new = np.array(value, dtype=ref.op.attrs["dtype"].np, copy=True)
        ref.write(new)
        return [new]


class _UpdateBase(_AssignBase):
    fn = None

    def out(self, ref, value, attrs):
        check_dtype(self.type, "value", value.dtype, NUMERIC)
        shape = broadcast_static(ref.shape, value.shape)
        if ref.shape.ndims is not None and shape.ndims is not None and not ref.shape.is_compatible_with(shape):
            raise ShapeError("Cannot update variable of shape %s by a value of shape %s"
                             % (ref.shape.short(), value.shape.short()))
        return [TensorSpec(ref.dtype, ref.shape)]

    def reference(self, ctx, inputs, attrs):
        ref, value = inputs
        ref = self._ref(ref)
        old = ref.read()
        if value.shape != old.shape and np.broadcast_shapes(old.shape, value.shape) != old.shape:
            raise InvalidArgumentError(message="Cannot update variable with shape %s using a "
                                       "Tensor with shape %s, shapes must be equal."
                                       % (list(old.shape), list(value.shape)))
        new = self.fn(old, value).astype(old.dtype)
        ref.write(new)
        return [new]


@register
class AssignAdd(_UpdateBase):
    """variable += value; output is the new value."""
    type = "AssignAdd"
    fn = staticmethod(np.add)


@register
class AssignSub(_UpdateBase):
    """variable -= value; output is the new value."""
    type = "AssignSub"
    fn = staticmethod(np.subtract)


@register
class IsVariableInitialized(Primitive):
    """Scalar bool: whether the variable has a value in this session."""

    type = "IsVariableInitialized"
    stateful = True
    ref_inputs = (0,)

    def infer(self, inputs, attrs, known):
        return [TensorSpec(dtypes.bool, [])]

    def reference(self, ctx, inputs, attrs):
        ref = inputs[0]
        return [np.asarray(ref.store.get(ref.op) is not None)]
