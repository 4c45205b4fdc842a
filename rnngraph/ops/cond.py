"""tf.cond and tf.case, built as functional Cond ops (rnngraph/primitives/control_flow.py).

TF1's contract: pred is a scalar bool tensor (a Python bool is a TypeError); both branches
return the same nest of tensors with the same dtypes; outputs take the most specific shape
compatible with both; with strict=False a singleton list or tuple is unpacked. Only the
taken branch runs, and in it only what its outputs need (TF1 semantics: an assign inside a
branch that no output depends on does not run).
"""
from ..framework import dtypes, nest
from ..framework.func_graph import set_outputs, trace
from ..framework.graph import Operation, get_default_graph, name_scope
from ..framework.primitive import TensorSpec
from . import array_ops, control_flow_ops
from .tensor_array_ops import TensorArray
from .tensor_conversion import convert_to_tensor

__all__ = ["cond", "case"]


def _branch(prefix, fn, outer, pred, which):
    def build(_):
        result = fn()
        if result is None:
            raise ValueError("%s must have a return value." % which)
        return result
    graph, result = trace(prefix, build, [], outer)
    with graph.as_default():
        flat = []
        for v in nest.flatten(result):
            if isinstance(v, Operation):  # run for its effect; TF1 yields a bool tensor
                v = control_flow_ops.with_dependencies([v], array_ops.identity(pred))
            flat.append(v.handle if isinstance(v, TensorArray) else convert_to_tensor(v))
    set_outputs(graph, flat)
    return graph, result


def cond(pred, true_fn=None, false_fn=None, strict=False, name=None, fn1=None, fn2=None):
    """true_fn() if pred else false_fn(), as one Cond op."""
    true_fn = true_fn if true_fn is not None else fn1
    false_fn = false_fn if false_fn is not None else fn2
    if true_fn is None or false_fn is None:
        raise TypeError("cond(): true_fn and false_fn arguments are required")
    if not callable(true_fn) or not callable(false_fn):
        raise TypeError("true_fn and false_fn must be callable.")
    if isinstance(pred, bool):
        raise TypeError("pred must not be a Python bool")
    with name_scope(name, "cond", [pred]) as scope:
        pred = convert_to_tensor(pred)
        if pred.dtype != dtypes.bool or pred.shape.ndims not in (None, 0):
            raise TypeError("pred must be a scalar bool tensor, got %s of shape %s"
                            % (pred.dtype.name, pred.shape))
        outer = get_default_graph()
        prefix = scope.rstrip("/")
        then_graph, res_t = _branch(prefix + "/true", true_fn, outer, pred, "true_fn")
        else_graph, res_f = _branch(prefix + "/false", false_fn, outer, pred, "false_fn")
        try:
            nest.assert_same_structure(res_t, res_f, check_types=False)
        except (TypeError, ValueError) as e:
            raise ValueError("Outputs of true_fn and false_fn must have the same structure: %s" % e)
        specs = []
        for t, f in zip(then_graph.outputs, else_graph.outputs):
            if t.dtype != f.dtype:
                raise ValueError("Outputs of true_fn and false_fn must have the same type: %s, %s"
                                 % (t.dtype.name, f.dtype.name))
            specs.append(TensorSpec(t.dtype, t.shape.most_specific_compatible_shape(f.shape)))
        op = outer.create_op("Cond", [pred] + then_graph.captured_outer_tensors +
                             else_graph.captured_outer_tensors,
                             {"then_branch": then_graph, "else_branch": else_graph,
                              "output_specs": specs}, name=scope,
                             control_inputs=then_graph.external_control_inputs +
                             else_graph.external_control_inputs)
        outputs = list(op.outputs)
        flat_t = nest.flatten(res_t)
        wrapped = [v._with_handle(o) if isinstance(v, TensorArray) else o for v, o in zip(flat_t, outputs)]
        result = nest.pack_sequence_as(res_t, wrapped)
        if not strict and isinstance(result, (list, tuple)) and len(result) == 1:
            result = result[0]
        return result


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """The fn of the first true predicate (TF1's tf.case). Without a default, the last fn is
    the default and an error is raised at run time if no predicate holds; with exclusive,
    more than one true predicate is an error."""
    pairs = list(pred_fn_pairs.items()) if isinstance(pred_fn_pairs, dict) else list(pred_fn_pairs)
    for p in pairs:
        if not isinstance(p, tuple) or len(p) != 2 or not callable(p[1]):
            raise TypeError("Each entry in pred_fn_pairs must be a 2-tuple (pred, callable), got %r" % (p,))
    if not pairs:
        raise ValueError("pred_fn_pairs must not be empty")
    with name_scope(name, "case", [p for p, _ in pairs]):
        preds = [convert_to_tensor(p) for p, _ in pairs]
        fns = [f for _, f in pairs]
        checks = []
        if exclusive:
            from .math_ops import cast, reduce_sum
            count = reduce_sum(cast(array_ops.stack(preds), dtypes.int32))
            checks.append(control_flow_ops.Assert(
                count <= 1, ["More than one condition evaluated as True but exclusive=True.",
                             "Conditions:", array_ops.stack(preds)], name="exclusive_check"))
        if default is None:
            default = fns[-1]
            checks.append(control_flow_ops.Assert(
                _any(preds), ["None of the conditions evaluated as True."], name="none_true_check"))
            preds, fns = preds[:-1], fns[:-1]
        result_fn = default
        for p, f in reversed(list(zip(preds, fns))):
            result_fn = (lambda p=p, f=f, rest=result_fn: cond(p, f, rest, strict=strict))
        if checks:
            with get_default_graph().control_dependencies(checks):
                return _identity_nest(result_fn())
        return result_fn()


def _any(preds):
    from .math_ops import reduce_any
    return reduce_any(array_ops.stack(preds))


def _identity_nest(result):
    return nest.map_structure(
        lambda t: t._with_handle(array_ops.identity(t.handle)) if isinstance(t, TensorArray)
        else array_ops.identity(t), result)

