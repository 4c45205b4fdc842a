"""Functional control flow: While and Cond, each holding FuncGraph bodies as attributes.

While(loop_vars..., cond captures..., body captures...):
  attrs cond, body (FuncGraph), n_vars, output_specs (the loop variables' shape
  invariants), parallel_iterations, swap_memory, back_prop.
  cond(vars + cond captures) -> scalar bool; body(vars + body captures) -> new vars.
Cond(pred, then captures..., else captures...):
  attrs then_branch, else_branch (FuncGraph), n_then, output_specs.

The gradient may ask a While or Cond for values its bodies compute (attrs['saved'], see
`saved_specs`): they become extra outputs after the loop variables / branch outputs.

Inputs are taken as they are (variable references stay references), so a body that reads
or assigns a captured variable sees the session's variable, as a TF1 loop does.
"""
import numpy as np

from ..errors import InvalidArgumentError, UnimplementedError
from ..framework import dtypes
from ..framework.primitive import Primitive, TensorSpec, register
from ..framework.tensor_shape import TensorShape


class _TakesAll:
    def __contains__(self, i):
        return True


class _FunctionalOp(Primitive):
    stateful = True          # bodies may hold stateful ops; never folded or deduplicated
    ref_inputs = _TakesAll()

    def infer(self, inputs, attrs, known):
        return list(attrs["output_specs"]) + saved_specs(self.type, attrs)


def saved_specs(op_type, attrs, specs=None):
    """Specs of the extra outputs the gradient asked for (attrs['saved'], absent until it
    asks): for a While, the trip count and one [iterations, ...] stack per saved body tensor;
    for a Cond, each saved (branch name, tensor) (zeros when the other branch ran).
    `specs`: the saved tensors' specs when known better than their build-time ones."""
    saved = attrs.get("saved")
    if saved is None:
        return []
    tensors = saved if op_type == "While" else [t for _, t in saved]
    specs = specs or [t.spec for t in tensors]
    if op_type == "While":
        return [TensorSpec(dtypes.int32, [])] + [
            TensorSpec(s.dtype, TensorShape([None]).concatenate(s.shape)) for s in specs]
    return list(specs)


def _zeros(spec):
    """Zeros standing for a value that was not computed, of the shape its (specialized) spec
    gives (unknown dims are 0)."""
    shape = [d or 0 for d in spec.shape.dims] if spec.shape.ndims is not None else [0]
    return np.zeros(shape, spec.dtype.np)


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
        out_specs = ctx.output_specs
        saved = attrs.get("saved")
        stacks = [[] for _ in saved or ()]
        iteration = 0
        while ctx.call(cond, values + cond_caps)[0]:
            values = ctx.call(body, values + body_caps, saved or ())
            for stack, v in zip(stacks, values[n:]):
                stack.append(v)
            values = values[:n]
            iteration += 1
            for i, (v, s) in enumerate(zip(values, specs)):
                shape = getattr(v, "shape", None)
                if shape is not None and not s.shape.is_compatible_with(shape):
                    raise InvalidArgumentError(
                        message="Loop variable %d has shape %s after iteration %d, which is not "
                                "compatible with its shape invariant %s" % (
                                    i, list(shape), iteration, s.shape.short()))
        if saved is None:
            return values
        return values + [np.asarray(iteration, np.int32)] + [
            _stack(stack, t, spec) for stack, t, spec in zip(stacks, saved, out_specs[n + 1:])]


def iteration_axes(tensor):
    """How many leading axes of `tensor` count iterations: 1 for the stack a While saves
    per iteration, plus those of the body tensor it stacks (a nested loop's own stack), 0
    for any other tensor. An inner loop may run a different number of iterations each time
    the outer body runs, so these axes may grow from one saved row to the next; the
    gradient reads only the rows the iterations wrote, so a stack of them is padded."""
    op = tensor.op
    if op.type != "While" or tensor.value_index <= op.attrs["n_vars"]:
        return 0
    return 1 + iteration_axes(op.attrs["saved"][tensor.value_index - op.attrs["n_vars"] - 1])


def ragged_shape_error(tensor):
    return ("the gradient of this while loop needs %s from every iteration, and its shape "
            "changes between iterations: saving values of varying shape is not supported "
            "(only a nested loop's iteration counts may vary)" % tensor.name)


def _stack(values, tensor, spec):
    """The saved values of every iteration stacked, their iteration axes zero-padded to the
    longest (see iteration_axes)."""
    if not values:
        return _zeros(spec)
    shapes = {np.shape(v) for v in values}
    if len(shapes) == 1:
        return np.stack(values)
    padded = iteration_axes(tensor)
    if len({s[padded:] for s in shapes}) > 1:
        raise UnimplementedError(message=ragged_shape_error(tensor) + " (%s)" % sorted(shapes))
    out = np.zeros((len(values),) + tuple(np.max([s for s in shapes], axis=0)), values[0].dtype)
    for row, v in zip(out, values):
        row[tuple(slice(0, d) for d in v.shape)] = v
    return out


@register
class Cond(_FunctionalOp):
    """Run then_branch if pred else else_branch (only the taken branch runs)."""

    type = "Cond"

    def reference(self, ctx, inputs, attrs):
        n_then = len(attrs["then_branch"].captures)
        out_specs = ctx.output_specs
        taken = "then_branch" if bool(inputs[0]) else "else_branch"
        args = list(inputs[1:1 + n_then]) if taken == "then_branch" else list(inputs[1 + n_then:])
        saved = attrs.get("saved") or []
        mine = [t for branch, t in saved if branch == taken]
        values = ctx.call(attrs[taken], args, mine)
        n = len(values) - len(mine)
        extra = iter(values[n:])
        return values[:n] + [next(extra) if branch == taken else _zeros(spec)
                             for (branch, _), spec in zip(saved, out_specs[n:])]
