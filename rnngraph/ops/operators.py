"""Python operators on Tensor (and on anything converting to one, like Variable):
`+ - * / // % ** @`, comparisons `< <= > >=`, `& | ^ ~` for bools, unary `- abs`, and
`[]` slicing. `==` stays identity, as in TF1 graphs (use tf.equal)."""
from ..framework.graph import Tensor
from . import array_ops, math_ops


def _binary(fn, name):
    def op(self, other):
        return fn(self, other, name=name)

    def rop(self, other):
        return fn(other, self, name=name)
    return op, rop


def _truediv(x, y, name):
    return math_ops.truediv(x, y, name=name)


_BINARY = {
    "add": (math_ops.add, "add"),
    "sub": (math_ops.subtract, "sub"),
    "mul": (math_ops.multiply, "mul"),
    "truediv": (_truediv, "truediv"),
    "floordiv": (math_ops.floordiv, "floordiv"),
    "mod": (math_ops.floormod, "mod"),
    "pow": (math_ops.pow, "pow"),
    "matmul": (math_ops.matmul, "matmul"),
    "and": (math_ops.logical_and, "and"),
    "or": (math_ops.logical_or, "or"),
    "xor": (math_ops.logical_xor, "xor"),
}
_COMPARE = {"lt": math_ops.less, "le": math_ops.less_equal, "gt": math_ops.greater,
            "ge": math_ops.greater_equal}


def install(cls):
    """Attach the operator overloads to `cls` (Tensor here; Variable does the same)."""
    for key, (fn, name) in _BINARY.items():
        op, rop = _binary(fn, name)
        setattr(cls, "__%s__" % key, op)
        setattr(cls, "__r%s__" % key, rop)
    for key, fn in _COMPARE.items():
        setattr(cls, "__%s__" % key, lambda self, other, fn=fn: fn(self, other))
    cls.__neg__ = lambda self: math_ops.negative(self, name="Neg")
    cls.__abs__ = lambda self: math_ops.abs(self, name="Abs")
    cls.__invert__ = lambda self: math_ops.logical_not(self, name="LogicalNot")
    cls.__getitem__ = lambda self, key: array_ops.slice_helper(self, key)


install(Tensor)
