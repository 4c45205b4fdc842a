"""Functional control flow: While and Cond, each holding FuncGraph bodies as attributes.

While(loop_vars..., cond captures..., body captures...):
  attrs cond, body (FuncGraph), n_vars, output_specs (the loop variables' shape
  invariants), parallel_iterations, swap_memory, back_prop.
  cond(vars + cond captures) -> scalar bool; body(vars + body captures) -> new vars.
Cond(pred, then captures..., else captures...):
  attrs then_branch, else_branch (FuncGraph), n_then, output_specs.

Inputs are taken as they are (variable references stay references), so a body that reads
or assigns a captured variable sees the session's variable, as a TF1 loop does.
"""
from ..errors import InvalidArgumentError
from ..framework.primitive import Primitive, register


class _TakesAll:
    def __contains__(self, i):
        return True


class _FunctionalOp(Primitive):
    stateful = True          # bodies may hold stateful ops; never folded or deduplicated
    ref_inputs = _TakesAll()

    def infer(self, inputs, attrs, known):
        return list(attrs["output_specs"])


@register
class While(_FunctionalOp):
    """Run body while cond holds; outputs are the final loop variables."""

    type = "While"

    def reference(self, ctx, inputs, attrs):
        n = attrs["n_vars"]
        cond, body = attrs["cond"], attrs["body"]
        n_cond = len(cond.captures)
        values = list(inputs[:n])
        cond_caps, body_caps = list(inputs[n:n + n_cond]), list(inputs[n + n_cond:])
        specs = attrs["output_specs"]
        iteration = 0
        while ctx.call(cond, values + cond_caps)[0]:
            values = ctx.call(body, values + body_caps)
            iteration += 1
            for i, (v, s) in enumerate(zip(values, specs)):
                shape = getattr(v, "shape", None)
                if shape is not None and not s.shape.is_compatible_with(shape):
                    raise InvalidArgumentError(
                        message="Loop variable %d has shape %s after iteration %d, which is not "
                                "compatible with its shape invariant %s" % (
                                    i, list(shape), iteration, s.shape.short()))
        return values


@register
class Cond(_FunctionalOp):
    """Run then_branch if pred else else_branch (only the taken branch runs)."""

    type = "Cond"

    def reference(self, ctx, inputs, attrs):
        n_then = len(attrs["then_branch"].captures)
        if bool(inputs[0]):
            return ctx.call(attrs["then_branch"], list(inputs[1:1 + n_then]))
        return ctx.call(attrs["else_branch"], list(inputs[1 + n_then:]))
