"""tf.Variable (TF1's reference variable), the assign ops, the variable collections and
the initializer ops (tf.global_variables_initializer, ...).

A Variable is a handful of graph ops created under one name scope `v/`, exactly as TF1
names them:

  v/initial_value   the initial value, when it was given as a Python/NumPy value
  v                 VariableV2: the session-owned buffer; its output `v:0` is a reference
  v/Assign          the initializer: stores the initial value
  v/read            Identity snapshot: what `v` means when used as a Tensor

The value lives in each Session (two sessions on one graph have independent variables);
reading it before the initializer ran is a FailedPreconditionError. Ops that take the
reference (Assign, AssignAdd, AssignSub, IsVariableInitialized) see the variable itself;
any other consumer reads its value at the moment that consumer runs.

Feeding a variable (`feed_dict={v: value}`) replaces its value for that run, and fetching
it reads it, as in TF1 (both go through the reference tensor `v:0`).

As in TF1, `v/read` (an Identity) aliases the variable's buffer rather than copying it:
Identity forwards the reference (see primitives/control.py), so a use of `v` that runs
after an assign to `v` (inside `tf.control_dependencies([update])`) observes the update.
"""
import contextlib

from ..framework import dtypes
from ..framework.graph import (GraphKeys, Tensor, add_to_collections, control_dependencies,
                               get_collection, get_default_graph, name_scope)
from ..framework.func_graph import init_scope
from ..framework.session_context import get_default_session
from ..framework.tensor_shape import as_shape, unknown_shape
from . import array_ops, control_flow_ops, operators
from .tensor_conversion import convert_to_tensor

__all__ = [
    "Variable", "assign", "assign_add", "assign_sub", "global_variables", "local_variables",
    "trainable_variables", "all_variables", "model_variables", "moving_average_variables",
    "global_variables_initializer", "initialize_all_variables", "variables_initializer",
    "initialize_variables", "local_variables_initializer", "initialize_local_variables",
    "is_variable_initialized", "report_uninitialized_variables", "assert_variables_initialized",
]


class Variable:
    """A TF1 (reference) variable. See the module docstring for the ops it creates.

    initial_value: a Tensor, a Python/NumPy value, or a callable returning one (called
      inside the name scope `name/Initializer/`, as tf.get_variable does).
    trainable: also add to GraphKeys.TRAINABLE_VARIABLES (default True).
    collections: collection keys (default [GraphKeys.GLOBAL_VARIABLES]).
    validate_shape: if False the variable's shape is unknown and any shape may be assigned.
    dtype: convert the initial value to this dtype.
    shape: the variable's static shape (default: the initial value's).
    constraint: kept as `.constraint` (for optimizers), as in TF1.
    caching_device, expected_shape, use_resource, synchronization, aggregation: accepted
      for compatibility; they do not change behaviour.
    """

    __array_priority__ = 100

    def __init__(self, initial_value=None, trainable=None, collections=None, validate_shape=True,
                 caching_device=None, name=None, variable_def=None, dtype=None,
                 expected_shape=None, import_scope=None, constraint=None, use_resource=None,
                 synchronization=None, aggregation=None, shape=None):
        if variable_def is not None:
            raise NotImplementedError("Variable(variable_def=...): rnngraph has no VariableDef "
                                      "protos")
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        init_from_fn = callable(initial_value)
        if collections is None:
            collections = [GraphKeys.GLOBAL_VARIABLES]
        if not isinstance(collections, (list, tuple, set)):
            raise ValueError("collections argument to Variable constructor must be a list, tuple, "
                             "or set. Got %s of type %s" % (collections, type(collections)))
        if constraint is not None and not callable(constraint):
            raise ValueError("The `constraint` argument must be a callable.")
        self._trainable = True if trainable is None else bool(trainable)
        if self._trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections = list(collections) + [GraphKeys.TRAINABLE_VARIABLES]
        self._constraint = constraint
        dtype = None if dtype is None else dtypes.as_dtype(dtype)
        # TF1's init_scope: a variable lives in the outermost graph (also when a cell creates
        # it inside a loop body) and never depends on the surrounding control inputs.
        with init_scope(), name_scope(name, "Variable", [] if init_from_fn else [initial_value]) \
                as scope:
            with name_scope("Initializer") if init_from_fn else contextlib.nullcontext():
                value = initial_value() if init_from_fn else initial_value
                self._initial_value = convert_to_tensor(value, dtype=dtype, name="initial_value")
            if shape is None:
                shape = self._initial_value.shape if validate_shape else unknown_shape()
            graph = get_default_graph()
            self._variable = graph.create_op(
                "VariableV2", [], {"dtype": self._initial_value.dtype, "shape": as_shape(shape)},
                scope).outputs[0]
            if validate_shape and not self._initial_value.shape.is_fully_defined():
                raise ValueError("initial_value must have a shape specified: %s" % self._initial_value)
            self._initializer_op = assign(self._variable, self._initial_value,
                                          validate_shape=validate_shape).op
            self._snapshot = array_ops.identity(self._variable, name="read")
        add_to_collections(collections, self)

    # --- identity --------------------------------------------------------------------------
    @property
    def name(self):
        """The reference tensor's name, e.g. 'scope/v:0'."""
        return self._variable.name

    @property
    def op(self):
        """The VariableV2 operation."""
        return self._variable.op

    @property
    def graph(self):
        return self._variable.graph

    @property
    def device(self):
        return ""

    @property
    def dtype(self):
        """The element dtype (TF1 reports it as e.g. float32_ref; rnngraph has no ref dtypes)."""
        return self._variable.dtype

    @property
    def shape(self):
        return self._variable.shape

    def get_shape(self):
        return self._variable.shape

    def set_shape(self, shape):
        """Refine the static shape of the variable and of its snapshot."""
        self._variable.set_shape(shape)
        self._snapshot.set_shape(shape)

    @property
    def trainable(self):
        return self._trainable

    @property
    def constraint(self):
        return self._constraint

    def __repr__(self):
        return "<tf.Variable '%s' shape=%s dtype=%s_ref>" % (self.name, self.shape, self.dtype.name)

    def __iter__(self):
        raise TypeError("'Variable' object is not iterable.")

    # --- initialization --------------------------------------------------------------------
    @property
    def initializer(self):
        """The Assign op that stores the initial value."""
        return self._initializer_op

    @property
    def initial_value(self):
        """The tensor the initializer stores (not the variable's current value)."""
        return self._initial_value

    def initialized_value(self):
        """The variable's value, initializing it first if needed: use it to initialize
        another variable from this one. Built with tf.cond when rnngraph has it; until
        then it is TF1's original definition, a read that runs after this variable's
        initializer (so evaluating it re-runs that initializer)."""
        with control_dependencies(None):
            cond = getattr(control_flow_ops, "cond", None)
            if cond is not None:
                return cond(is_variable_initialized(self), self.read_value,
                            lambda: self.initial_value)
            with control_dependencies([self._initializer_op]):
                return array_ops.identity(self._variable)

    # --- reading ----------------------------------------------------------------------------
    def value(self):
        """The snapshot `v/read` (what the variable converts to as a Tensor)."""
        return self._snapshot

    def read_value(self):
        """A fresh read of the variable (an Identity named 'read' in the current name scope),
        honouring the current control dependencies."""
        return array_ops.identity(self._variable, name="read")

    def _ref(self):
        """The reference tensor `v:0` (the VariableV2 output) that assign ops take."""
        return self._variable

    def _as_tensor(self):
        return self._snapshot

    def _as_graph_element(self):
        return self._variable

    def _as_feed_tensor(self):
        return self._variable

    def _as_control_op(self):
        return self._variable.op

    def eval(self, session=None):
        """The current value in `session` (default: the default session)."""
        return self._variable.eval(session=session)

    def load(self, value, session=None):
        """Store `value` in the variable in `session` without adding ops to the graph (by
        feeding the initializer's input)."""
        session = session or get_default_session()
        if session is None:
            raise ValueError("Either session argument should be provided or default session "
                             "should be established")
        session.run(self._initializer_op, {self._initializer_op.inputs[1]: value})

    # --- writing ----------------------------------------------------------------------------
    def assign(self, value, use_locking=False, name=None, read_value=True):
        """Store `value`; returns the new value (or, with read_value=False, the op)."""
        t = assign(self._variable, value, use_locking=use_locking, name=name)
        return t if read_value else t.op

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        """Add `delta` to the variable; returns the new value (or the op)."""
        t = assign_add(self._variable, delta, use_locking=use_locking, name=name)
        return t if read_value else t.op

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        """Subtract `delta` from the variable; returns the new value (or the op)."""
        t = assign_sub(self._variable, delta, use_locking=use_locking, name=name)
        return t if read_value else t.op


operators.install(Variable)


# --- assign ops ------------------------------------------------------------------------------
def _ref_tensor(ref, fn_name):
    """The reference tensor of a Variable, or `ref` itself if it is one (a VariableV2 output)."""
    if isinstance(ref, Variable):
        return ref._ref()
    if isinstance(ref, Tensor) and ref.op.type == "VariableV2":
        return ref
    raise AttributeError("'%s' object has no attribute '%s' (tf.%s needs a tf.Variable, got %r)"
                         % (type(ref).__name__, fn_name, fn_name, ref))


def _state_update(op_type, fn_name, ref, value, attrs, name):
    ref = _ref_tensor(ref, fn_name)
    with name_scope(name, op_type, [ref]) as scope:
        value = convert_to_tensor(value, dtype=ref.dtype, name="value")
        return get_default_graph().create_op(op_type, [ref, value], attrs, scope).outputs[0]


def assign(ref, value, validate_shape=None, use_locking=None, name=None):
    """Store `value` in the variable `ref`; returns its new value once stored.

    validate_shape (default True): the value's shape must match the variable's; with
    False the variable takes the value's shape.
    """
    attrs = {"validate_shape": True if validate_shape is None else bool(validate_shape)}
    return _state_update("Assign", "assign", ref, value, attrs, name)


def assign_add(ref, value, use_locking=None, name=None):
    """ref += value; returns the new value."""
    return _state_update("AssignAdd", "assign_add", ref, value, None, name)


def assign_sub(ref, value, use_locking=None, name=None):
    """ref -= value; returns the new value."""
    return _state_update("AssignSub", "assign_sub", ref, value, None, name)


# --- collections ------------------------------------------------------------------------------
def global_variables(scope=None):
    """Variables shared across machines in TF1 (GraphKeys.GLOBAL_VARIABLES), optionally
    those whose name matches the regex `scope` from the start."""
    return get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


def all_variables():
    """Deprecated name of global_variables()."""
    return global_variables()


def local_variables(scope=None):
    """GraphKeys.LOCAL_VARIABLES (per-process variables such as metric counters)."""
    return get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def trainable_variables(scope=None):
    """GraphKeys.TRAINABLE_VARIABLES: what optimizers update by default."""
    return get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def model_variables(scope=None):
    """GraphKeys.MODEL_VARIABLES."""
    return get_collection(GraphKeys.MODEL_VARIABLES, scope)


def moving_average_variables(scope=None):
    """GraphKeys.MOVING_AVERAGE_VARIABLES."""
    return get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, scope)


# --- initialization ops ---------------------------------------------------------------------
def variables_initializer(var_list, name="init"):
    """One NoOp (named `name`) that runs the initializers of `var_list`."""
    if var_list:
        return control_flow_ops.group(*[v.initializer for v in var_list], name=name)
    return control_flow_ops.no_op(name=name)


def initialize_variables(var_list, name="init"):
    """Deprecated name of variables_initializer."""
    return variables_initializer(var_list, name=name)


def global_variables_initializer():
    """The op 'init' that initializes every global variable."""
    return variables_initializer(global_variables())


def initialize_all_variables():
    """Deprecated name of global_variables_initializer()."""
    return global_variables_initializer()


def local_variables_initializer():
    """The op 'init' that initializes every local variable."""
    return variables_initializer(local_variables())


def initialize_local_variables():
    """Deprecated name of local_variables_initializer()."""
    return local_variables_initializer()


def is_variable_initialized(variable):
    """A scalar bool tensor: whether `variable` has a value in the running session."""
    ref = _ref_tensor(variable, "is_variable_initialized")
    return get_default_graph().create_op("IsVariableInitialized", [ref], None,
                                         "IsVariableInitialized").outputs[0]


def report_uninitialized_variables(var_list=None, name="report_uninitialized_variables"):
    """Not available: TF1 returns a string tensor of names, and rnngraph has no string dtype."""
    raise NotImplementedError(
        "tf.report_uninitialized_variables returns a tensor of dtype string, which rnngraph "
        "does not support; use tf.is_variable_initialized(v) for each variable, or "
        "tf.assert_variables_initialized().")


def assert_variables_initialized(var_list=None):
    """A tensor (the ranks of the variables) whose evaluation fails with
    FailedPreconditionError if any of `var_list` (default: all global and local
    variables) is uninitialized; None when there are no variables."""
    if var_list is None:
        var_list = global_variables() + local_variables()
    if not var_list:
        var_list = [op.outputs[0] for op in get_default_graph().get_operations()
                    if op.type == "VariableV2"]
    if not var_list:
        return None
    reads = [array_ops.identity(_ref_tensor(v, "assert_variables_initialized")) for v in var_list]
    # The ranks are known statically; the control inputs force the reads to run.
    with control_dependencies(reads):
        ranks = [array_ops.rank(r) for r in reads]
        return ranks[0] if len(ranks) == 1 else array_ops.stack(ranks)
