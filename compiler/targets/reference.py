"""The reference target: a NumPy interpreter of the primitive program.

Slow and obviously right: each op runs its primitive's `reference` implementation in order.
It is the oracle every compiled target is tested against, so it also checks every output's
dtype and shape against the program's specs and attributes every error to its op. Function
bodies (While, Cond) run through `RunContext.call` with the same interpreter.
"""

import numpy as np

from rnngraph.errors import InternalError, OpError
from rnngraph.framework import dtypes
from rnngraph.primitives.state import VariableRef, deref

from ..prune import prune


class RunContext:
    """What a primitive's `reference` may use: the session's variables and random
    streams, `op` (the operation being run), `output_specs` (its outputs' specialized specs:
    zeros standing for a value not computed take their shape) and `call` (run a body)."""

    __slots__ = ("variables", "_state", "op", "output_specs")

    def __init__(self, state):
        self._state = state
        self.variables = state.variables
        self.op = None
        self.output_specs = ()

    def random_stream(self, op):
        return self._state.random_stream(op)

    def call(self, func_graph, args, extra=()):
        """Run a FuncGraph on argument values; returns its outputs' values, then those of
        the `extra` tensors of the body (values the gradient saves)."""
        fetches = list(func_graph.outputs) + list(extra)
        ops = _body_ops(func_graph, fetches)
        env = dict(zip(func_graph.inputs, args))
        caller = self.op
        interpret(ops, env, self, None)
        self.op = caller
        return [_read(env[t], t.op) for t in fetches]


def _body_ops(func_graph, fetches):
    """The ops a body needs for `fetches` (pruned once per body and fetch list). Kept on
    the body itself: a module-level WeakKeyDictionary of bodies never let one go (its
    values, the ops, hold the body), and every graph a process ever interpreted stayed
    alive."""
    per_body = func_graph._attached_object("reference_body_ops", dict)
    key = tuple(id(t) for t in fetches)
    ops = per_body.get(key)
    if ops is None:
        ops = per_body[key] = prune(fetches, [], func_graph.inputs)
    return ops


def interpret(ops, env, ctx, specs):
    """Run `ops` in order, reading inputs from and writing outputs to `env`. Outputs are
    checked against `specs` (Tensor -> TensorSpec) when given, else the static specs."""
    for op in ops:
        ctx.op = op
        ctx.output_specs = [specs.get(t, t.spec) if specs is not None else t.spec for t in op.outputs]
        prim = op.primitive
        args = [env[t] if i in prim.ref_inputs else _read(env[t], op)
                for i, t in enumerate(op.inputs)]
        try:
            outs = prim.reference(ctx, args, op.attrs)
        except OpError as e:
            raise _attribute(e, op, args) from e.__cause__
        except Exception as e:
            raise InternalError(op=op, message="%s: %s%s" % (
                type(e).__name__, e, _inputs_text(op, args))) from e
        for i, (t, v) in enumerate(zip(op.outputs, outs)):
            env[t] = v if isinstance(v, VariableRef) or t.dtype is dtypes.tensor_array or \
                _unread_save(op, i, v) else \
                _check(v, t, specs.get(t, t.spec) if specs is not None else t.spec, op)


def _unread_save(op, index, value):
    """Whether output `index` of `op` is an empty stand-in for a saved value that was not
    computed (a branch or loop that did not run, nested in a body, which is interpreted with
    build-time shapes): the gradient never reads it, so its shape is not checked."""
    return op.type in ("While", "Cond") and index >= len(op.attrs["output_specs"]) \
        and np.size(value) == 0


class ReferenceExecutable:
    peak_bytes = 0  # NumPy allocates the interpreter's values; nothing is planned

    def __init__(self, lowered):
        self.lowered = lowered

    def source(self):
        return self.lowered.as_text()

    def run(self, feed_values, state):
        low = self.lowered
        env = dict(zip(low.feeds, feed_values))
        interpret(low.ops, env, RunContext(state), low.specs)
        return [_fetched(_read(env[t], t.op)) for t in low.fetches]


def _fetched(value):
    """A copy the caller may mutate (state and constants are never aliased by results)."""
    return np.array(value, copy=True) if isinstance(value, (np.ndarray, np.generic)) else value


def _read(value, op):
    try:
        return deref(value)
    except OpError as e:
        raise e.with_op(op) if op is not None and e.op is None else e


def _attribute(err, op, args):
    if err.op is not None:
        return err
    return type(err)(None, op, err.message + _inputs_text(op, args))


def _inputs_text(op, args):
    if not op.inputs:
        return ""
    return " (inputs: %s)" % ", ".join(
        "'%s' %s%s" % (t.name, t.dtype.name, list(np.shape(_deref_safe(a))))
        for t, a in zip(op.inputs, args))


def _deref_safe(value):
    if isinstance(value, VariableRef):
        v = value.store.get(value.op)
        return np.zeros(0) if v is None else v
    return value


def _check(value, tensor, spec, op):
    value = np.asarray(value)
    if value.dtype != spec.dtype.np:
        value = value.astype(spec.dtype.np)
    if not spec.shape.is_compatible_with(value.shape):
        raise InternalError(op=op, message="rnngraph bug: %s produced shape %s but its shape "
                            "inference says %s" % (tensor.name, list(value.shape), spec.shape.short()))
    return value


def compile(lowered):  # noqa: A001 (the target protocol's name)
    return ReferenceExecutable(lowered)
