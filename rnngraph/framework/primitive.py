"""The primitive registry: the closed set of op types a graph may hold.

Each primitive is one class, registered once, that says in one place:
- `infer`: output dtypes and static shapes from input specs (partial shapes allowed), and
  the build-time errors that name the op and the shapes;
- `reference`: its NumPy semantics, the oracle every compiled target is tested against;
- (later issues) its gradient, and its lowering in compiler/targets/<target>.

Every TF1 public op (softmax, dropout, one_hot, ...) is a composition of these written once
in rnngraph/ops; adding such an op never touches the compiler.
"""
from collections import namedtuple

from . import tensor_shape



class TensorSpec(namedtuple("TensorSpec", ["dtype", "shape"])):
    """The static type of a tensor: DType and (partial) TensorShape (lists are converted)."""

    __slots__ = ()

    def __new__(cls, dtype, shape):
        return super().__new__(cls, dtype, tensor_shape.as_shape(shape))

PRIMITIVES = {}


class ShapeError(ValueError):
    """Raised by `infer` for inputs that cannot go together; the graph adds the op's name
    and input shapes to the message (TF1's format) and re-raises it as ValueError."""


class Primitive:
    """Base class of primitives. Subclasses set `type` and override `infer`/`reference`.

    Attributes:
      type: the op type string shown in graphs ("MatMul", "Tanh", ...).
      stateful: reads or writes session state (variables, random streams, asserts): never
        constant-folded, deduplicated or pruned when it is a requested target.
      ref_inputs: indices of inputs taken by reference (the variable written by Assign);
        all other inputs that are variable references are read at the moment the op runs.
      foldable: may be evaluated at build time when its inputs are known (pure ops;
        placeholders, variables and random ops are not).
    """

    type = None
    stateful = False
    ref_inputs = ()

    @property
    def foldable(self):
        """Whether build-time constant folding may evaluate it (pure and input-free of feeds)."""
        return not self.stateful

    def infer(self, inputs, attrs, const):
        """Return a list of TensorSpec for the outputs.

        inputs: list of TensorSpec; attrs: the op's attribute dict; const(i): the NumPy
        value of input i when it is known at build time (a constant, or a shape that is
        fully known), else None.
        """
        raise NotImplementedError("primitive %s has no shape inference" % self.type)

    def reference(self, ctx, inputs, attrs):
        """Compute the outputs (a list of NumPy arrays) from input arrays."""
        raise NotImplementedError("primitive %s has no reference implementation" % self.type)

    def fold_from_shapes(self, inputs, attrs):
        """A value computable from input *shapes* alone (Shape, Size, Rank), else None."""
        return None

    def __repr__(self):
        return "<primitive %s>" % self.type


class KnownValues:
    """What `infer` may ask about its inputs beyond their specs.

    known(i) is input i's NumPy value when known (else None); known.as_shape(i) reads a
    1-D shape tensor as a partial TensorShape (None where an element is unknown).
    """

    def __init__(self, value, as_shape):
        self._value = value
        self._as_shape = as_shape

    def __call__(self, i):
        return self._value(i)

    def as_shape(self, i):
        return self._as_shape(i)


def register(cls):
    """Class decorator: instantiate and register a primitive under `cls.type`."""
    if cls.type in PRIMITIVES:
        raise ValueError("primitive %s registered twice" % cls.type)
    PRIMITIVES[cls.type] = cls()
    return cls


def lookup(op_type):
    try:
        return PRIMITIVES[op_type]
    except KeyError:
        raise NotImplementedError("op type %r is not an rnngraph primitive" % op_type) from None
