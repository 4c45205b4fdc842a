"""Structural primitives: Identity, StopGradient, NoOp and Assert.

NoOp has no outputs and exists for its control inputs (tf.group, initializers). Assert
raises InvalidArgumentError with its data summarized when its condition is false; composites
use it to validate run-time values (labels, lengths) before they reach a kernel.
"""
import numpy as np

from ..errors import InvalidArgumentError
from ..framework.primitive import Primitive, ShapeError, TensorSpec, register
from .common import BOOL, check_dtype


@register
class Identity(Primitive):
    """Its input, unchanged. Like TF1's Identity on a ref input it aliases rather than
    copies: given a variable reference it forwards the reference, so its consumers read the
    variable when they run (`v/read` observes an assign ordered before its consumer)."""

    type = "Identity"
    ref_inputs = (0,)

    def infer(self, inputs, attrs, known):
        return [inputs[0]]

    def reference(self, ctx, inputs, attrs):
        return [inputs[0]]


@register
class StopGradient(Identity):
    """Identity in value (a snapshot of a variable's value); gradients do not flow through it."""

    type = "StopGradient"
    ref_inputs = ()


@register
class NoOp(Primitive):
    """Does nothing; used for its control dependencies."""

    type = "NoOp"
    stateful = True

    def infer(self, inputs, attrs, known):
        return []

    def reference(self, ctx, inputs, attrs):
        return []


def _summarize(value, n):
    flat = np.asarray(value).ravel()
    return summary_text(flat[:n], flat.size)


def summary_text(first, size):
    """How an Assert shows a data tensor: its first elements, '...' if there are more."""
    return "[%s%s]" % (" ".join(str(v) for v in first), "..." if size > len(first) else "")


def assert_message(attrs, summaries):
    """The text of a failed Assert, from (summary text) per data tensor: shared by targets."""
    names = attrs.get("data_names") or [""] * len(summaries)
    parts = [attrs.get("message", "assertion failed")]
    parts += ["%s%s" % ("%s = " % nm if nm else "", text) for nm, text in zip(names, summaries)]
    return "assertion failed: " + " ".join(p for p in parts if p)


@register
class Assert(Primitive):
    """Fail with InvalidArgumentError unless the scalar bool `condition` is true.

    attrs: message (a prefix), summarize (elements shown per data tensor), data_names.
    """

    type = "Assert"
    stateful = True

    def infer(self, inputs, attrs, known):
        check_dtype(self.type, "condition", inputs[0].dtype, BOOL)
        if inputs[0].shape.ndims not in (None, 0):
            raise ShapeError("In[0] (condition) must be a scalar, got shape %s" % inputs[0].shape.short())
        return []

    def reference(self, ctx, inputs, attrs):
        if bool(inputs[0]):
            return []
        n = attrs.get("summarize", 3)
        raise InvalidArgumentError(message=assert_message(attrs, [_summarize(v, n) for v in inputs[1:]]))
