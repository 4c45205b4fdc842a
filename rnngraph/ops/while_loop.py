"""tf.while_loop, built as one functional While op (rnngraph/primitives/control_flow.py).

TF1's contract, exactly: loop_vars is any nest of tensors, TensorArrays and Python values;
cond(*vars) returns a scalar bool; body(*vars) returns the same structure; every variable
keeps its dtype and a shape compatible with its invariant (its entry shape unless
shape_invariants relaxes it); maximum_iterations caps the trip count. A single loop
variable comes back unwrapped unless return_same_structure. Tensors of enclosing graphs used
in cond or body are captured as inputs of the While op.
"""
from ..framework import dtypes, nest
from ..framework.func_graph import set_outputs, trace
from ..framework.graph import get_default_graph, name_scope
from ..framework.primitive import TensorSpec
from ..framework.tensor_shape import as_shape
from . import math_ops
from .tensor_array_ops import TensorArray
from .tensor_conversion import constant, convert_to_tensor

__all__ = ["while_loop"]


def flatten_values(structure):
    """Flat tensors of a nest that may hold TensorArrays (each contributes its handle)."""
    return [v.handle if isinstance(v, TensorArray) else convert_to_tensor(v)
            for v in nest.flatten(structure)]


def pack_values(structure, tensors):
    """Rebuild `structure` from flat tensors, re-wrapping TensorArray handles."""
    flat = [v._with_handle(t) if isinstance(v, TensorArray) else t
            for v, t in zip(nest.flatten(structure), tensors)]
    return nest.pack_sequence_as(structure, flat)


def _invariants(flat_vars, shape_invariants):
    """The shape each loop variable must keep: its entry shape, or its shape invariant."""
    if shape_invariants is None:
        return [t.shape for t in flat_vars]
    shapes = [as_shape(s) for s in nest.flatten(shape_invariants)]
    if len(shapes) != len(flat_vars):
        raise ValueError("shape_invariants must have the same structure as loop_vars: %d shapes "
                         "for %d loop variables" % (len(shapes), len(flat_vars)))
    for t, s in zip(flat_vars, shapes):
        if t.dtype is not dtypes.tensor_array and not s.is_compatible_with(t.shape):
            raise ValueError("The shape invariant specified for %s is not compatible with the initial "
                             "shape of the loop variable. It enters the loop with shape %s, but the "
                             "specified shape invariant is %s." % (t.name, t.shape, s))
    return shapes


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, name=None, maximum_iterations=None,
               return_same_structure=False):
    """Repeat `body` while `cond` is true (TF1's tf.while_loop)."""
    if not callable(cond):
        raise TypeError("cond must be callable.")
    if not callable(body):
        raise TypeError("body must be callable.")
    if not isinstance(parallel_iterations, int) or parallel_iterations < 1:
        raise TypeError("parallel_iterations must be a positive integer.")
    if loop_vars is None or (nest.is_sequence(loop_vars) and not nest.flatten(loop_vars)):
        raise ValueError("No loop variables provided")
    with name_scope(name, "while", nest.flatten(loop_vars)) as scope:
        try_to_pack = isinstance(loop_vars, (list, tuple)) and len(loop_vars) == 1 \
            and not return_same_structure
        if maximum_iterations is not None:
            cond, body, loop_vars, shape_invariants = _with_iteration_counter(
                cond, body, loop_vars, shape_invariants, maximum_iterations, try_to_pack)
            try_to_pack = False
        elif not isinstance(loop_vars, (list, tuple)):
            loop_vars = [loop_vars]  # a lone tensor: returned as a lone tensor
            shape_invariants = None if shape_invariants is None else [shape_invariants]
            try_to_pack = not return_same_structure
        flat = flatten_values(loop_vars)
        invariants = _invariants(flat, shape_invariants)
        arg_specs = [TensorSpec(t.dtype, s) for t, s in zip(flat, invariants)]
        outer = get_default_graph()
        prefix = scope.rstrip("/")

        def build_cond(args):
            c = cond(*pack_values(loop_vars, args))
            c = convert_to_tensor(c)
            if c.dtype != dtypes.bool or c.shape.ndims not in (None, 0):
                raise TypeError("cond of a while_loop must return a scalar bool, got %s with "
                                 "shape %s" % (c.dtype.name, c.shape))
            return [c]

        cond_graph, cond_out = trace(prefix, build_cond, arg_specs, outer)
        set_outputs(cond_graph, cond_out)

        def build_body(args):
            packed = pack_values(loop_vars, args)
            result = body(*packed)
            if not nest.is_sequence(result):
                result = [result]
            nest.assert_same_structure(list(packed), list(result), check_types=False)
            return result

        body_graph, body_result = trace(prefix, build_body, arg_specs, outer)
        with body_graph.as_default():
            body_flat = flatten_values(body_result)
        _check_body_outputs(flat, invariants, body_flat)
        set_outputs(body_graph, body_flat)
        inputs = flat + cond_graph.captured_outer_tensors + body_graph.captured_outer_tensors
        op = outer.create_op("While", inputs, {
            "cond": cond_graph, "body": body_graph, "n_vars": len(flat),
            "output_specs": arg_specs, "parallel_iterations": parallel_iterations,
            "swap_memory": bool(swap_memory), "back_prop": bool(back_prop)},
            name=scope, control_inputs=cond_graph.external_control_inputs +
            body_graph.external_control_inputs)
        # Results take the structure of body's result (as TF1), over the loop_vars' arrays.
        result = pack_values(loop_vars, list(op.outputs))
        result = nest.pack_sequence_as(body_result, nest.flatten(result))
        if maximum_iterations is not None:
            return result[1]
        if try_to_pack:
            return result[0]
        return result


def _check_body_outputs(flat_in, invariants, flat_out):
    if len(flat_in) != len(flat_out):
        raise ValueError("body must return as many loop variables (%d) as it was given (%d)"
                         % (len(flat_out), len(flat_in)))
    for t_in, s, t_out in zip(flat_in, invariants, flat_out):
        if t_in.dtype != t_out.dtype:
            raise ValueError("Loop var %s enters the loop with type %s, but has type %s after one "
                             "iteration." % (t_in.name, t_in.dtype.name, t_out.dtype.name))
        if t_in.dtype is not dtypes.tensor_array and not _at_least_as_specific(t_out.shape, s):
            raise ValueError(
                "Input tensor '%s' enters the loop with shape %s, but has shape %s after one "
                "iteration. To allow the shape to vary across iterations, use the "
                "`shape_invariants` argument of tf.while_loop to specify a less-specific shape."
                % (t_in.name, s, t_out.shape))


def _at_least_as_specific(shape, invariant):
    """TF1's _ShapeLessThanOrEqual: every dim the invariant knows, the shape knows equally."""
    if invariant.ndims is None:
        return True
    if shape.ndims != invariant.ndims:
        return False
    return all(i is None or d == i for d, i in zip(shape.dims, invariant.dims))


def _with_iteration_counter(cond, body, loop_vars, shape_invariants, maximum_iterations, pack):
    """TF1's rewrite for maximum_iterations: a counter i runs beside the loop variables and
    the condition becomes `i < maximum_iterations and cond(...)`."""
    maximum_iterations = convert_to_tensor(maximum_iterations, name="maximum_iterations")
    if maximum_iterations.shape.ndims not in (None, 0):
        raise ValueError("maximum_iterations must be a scalar, saw shape: %s" % maximum_iterations.shape)
    counter = constant(0, dtype=maximum_iterations.dtype, name="iteration_counter")
    if pack:
        inner = loop_vars[0]
        new_vars = (counter, inner)

        def new_cond(i, lv):
            return math_ops.logical_and(i < maximum_iterations, cond(lv))

        def new_body(i, lv):
            return (i + 1, body(lv))
        if shape_invariants is not None:
            shape_invariants = (counter.shape, shape_invariants[0])
    else:
        new_vars = (counter, loop_vars)

        def new_cond(i, lv):
            return math_ops.logical_and(i < maximum_iterations, cond(*lv))

        def new_body(i, lv):
            return (i + 1, body(*lv))
        if shape_invariants is not None:
            shape_invariants = (counter.shape, shape_invariants)
    return new_cond, new_body, new_vars, shape_invariants
