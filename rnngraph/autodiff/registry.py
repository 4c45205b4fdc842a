"""Where each primitive's gradient is registered: `@gradient("Tanh")` on a function
`grad(op, grads) -> [one gradient or None per input]`, building primitives in the current
graph. Ops with no gradient at all (comparisons, shapes, random draws) are registered with
`not_differentiable`; an op in the path with neither is a LookupError naming it, as in TF1.
"""

GRADIENTS = {}
NOT_DIFFERENTIABLE = set()
TAKES_INDEXED_SLICES = set()  # op types whose gradient is given IndexedSlices as they are


def gradient(*op_types, indexed_slices=False):
    """Decorator: register `fn` as the gradient of the primitives `op_types`. It is given
    its outputs' gradients dense (IndexedSlices summed into a tensor, as TF1's ops convert
    them when they take one as an input) unless `indexed_slices`: then it handles them
    itself (an Identity or a loop passes them on sparse)."""
    def register(fn):
        for t in op_types:
            if t in GRADIENTS or t in NOT_DIFFERENTIABLE:
                raise ValueError("gradient of %s registered twice" % t)
            GRADIENTS[t] = fn
            if indexed_slices:
                TAKES_INDEXED_SLICES.add(t)
        return fn
    return register


def not_differentiable(*op_types):
    """Declare that no gradient flows through these primitives (TF1's NotDifferentiable)."""
    for t in op_types:
        if t in GRADIENTS:
            raise ValueError("gradient of %s registered twice" % t)
        NOT_DIFFERENTIABLE.add(t)


def lookup(op):
    """The gradient function of `op`, None if it is not differentiable."""
    if op.type in NOT_DIFFERENTIABLE:
        return None
    fn = GRADIENTS.get(op.type)
    if fn is None:
        raise LookupError("No gradient defined for operation '%s' (op type: %s)" % (op.name, op.type))
    return fn
