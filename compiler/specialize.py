"""Stage 2, specialize: static shapes made concrete from the shapes of this run's feeds.

Re-runs every pruned op's shape inference with the fed shapes in place of the graph's
partial ones, folding small pure values (shapes, constants) on the way. A clash that only
shows with real shapes (feeding [2,3] and [4,3] to an Add) is an InvalidArgumentError
naming the op, raised before anything runs. One specialization serves every run with the
same feed signature.
"""
import numpy as np

from rnngraph.errors import InvalidArgumentError
from rnngraph.framework.constant_folding import MAX_FOLD_ELEMENTS
from rnngraph.framework.primitive import KnownValues
from rnngraph.framework.tensor_shape import TensorShape, unknown_shape


def specialize(ops, feed_specs):
    """Return (specs, constants): TensorSpec per tensor, and NumPy values known statically."""
    specs = dict(feed_specs)
    constants = {}
    for op in ops:
        ins = [specs[t] for t in op.inputs]
        known = KnownValues(lambda i, op=op: constants.get(op.inputs[i]),
                            lambda i, op=op: _as_shape(op.inputs[i], specs, constants))
        try:
            outs = op.primitive.infer(ins, op.attrs, known)
        except ValueError as e:
            raise InvalidArgumentError(op=op, message="%s (inputs: %s)" % (
                str(e).rstrip("."), ", ".join("'%s' %s" % (t.name, s.shape.short())
                                              for t, s in zip(op.inputs, ins)))) from None
        for t, s in zip(op.outputs, outs):
            if t not in specs:
                specs[t] = s
        _fold(op, ins, constants, specs)
    return specs, constants


def _fold(op, ins, constants, specs):
    if op.control_inputs:
        return  # its value must wait for its control inputs (an Assert may guard it)
    prim = op.primitive
    values = prim.fold_from_shapes(ins, op.attrs)
    if values is None and prim.foldable and all(t in constants for t in op.inputs):
        if all((specs[t].shape.num_elements() or MAX_FOLD_ELEMENTS + 1) <= MAX_FOLD_ELEMENTS
               for t in op.outputs):
            try:
                values = prim.reference(None, [constants[t] for t in op.inputs], op.attrs)
            except Exception:  # left for the run to report with the op's name
                values = None
    if values is not None:
        for t, v in zip(op.outputs, values):
            if t not in specs or specs[t].shape.is_compatible_with(np.shape(v)):
                constants[t] = np.asarray(v, dtype=t.dtype.np)


def _as_shape(tensor, specs, constants):
    if tensor in constants:
        return TensorShape([None if d == -1 else int(d) for d in constants[tensor].ravel()])
    vector = specs[tensor].shape
    if vector.ndims == 1 and vector.dims[0] is not None:
        return unknown_shape(vector.dims[0])
    return unknown_shape()
