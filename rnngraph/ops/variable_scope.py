"""Variable scopes and tf.get_variable: sharing variables by name (TF1's variable_scope.py).

Two namespaces, kept apart on purpose, as in TF1:

- the *variable scope* prefixes names given to tf.get_variable and decides reuse. It is
  per graph (and per thread); re-entering scope "rnn" names variables "rnn/..." again, so
  a second pass over a network finds the first pass's weights;
- the *name scope* prefixes every op name. Each `variable_scope("rnn")` also opens a name
  scope, which like any name scope is made unique: the second entry's ops are "rnn_1/...".
  A variable's own ops are always created at the root name scope under its full variable
  name ("rnn/w", "rnn/w/Assign", "rnn/w/Initializer/..."), whatever name scope is open.

tf.get_variable keeps a per-graph store from full names to Variables: with reuse False a
name may be created once; with reuse True it must already exist (and shape and dtype must
agree); AUTO_REUSE creates or returns. Reuse is inherited by nested scopes. A scope opened
with only `default_name` gets a unique variable-scope name ("layer", "layer_1", ...)
counted per parent scope; closing a scope resets the counts of its sub-scopes (so
re-entering a parent starts its default names again from the first, exactly as in TF1).

Everything here follows TF1's code paths, including error messages. Partitioned variables
are not supported.
"""
import enum
import functools
import inspect
import threading

from ..framework import dtypes
from ..framework.graph import (GraphKeys, add_to_collection, control_dependencies,
                               get_collection, get_default_graph, graph_of, name_scope)
from ..framework.tensor_shape import as_shape
from . import init_ops
from .tensor_conversion import convert_to_tensor
from .variables import Variable

__all__ = [
    "AUTO_REUSE", "VariableScope", "variable_scope", "variable_op_scope", "get_variable",
    "get_local_variable", "get_variable_scope", "no_regularizer",
]


class _ReuseMode(enum.Enum):
    """Reuse modes beyond True/False/None."""
    AUTO_REUSE = 1


AUTO_REUSE = _ReuseMode.AUTO_REUSE
"""reuse=tf.AUTO_REUSE: get_variable creates a variable if it does not exist, else returns it."""

_STORE_KEY = "variable_scope.variable_store"
_SCOPE_STORE_KEY = "variable_scope.scope_store"


def no_regularizer(_):
    """Use this to turn off a scope's regularizer for one variable."""
    return None


def _needs_no_arguments(fn):
    """Whether `fn` can be called without arguments (TF's test for a ready initial value)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
               for p in params)


def _accepts(fn, arg):
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return arg in params or any(p.kind == p.VAR_KEYWORD for p in params.values())


class _VariableStore:
    """The graph's variables created by get_variable, by full name."""

    def __init__(self):
        self._vars = {}

    def get_variable(self, name, shape=None, dtype=dtypes.float32, initializer=None,
                     regularizer=None, reuse=None, trainable=None, collections=None,
                     caching_device=None, partitioner=None, validate_shape=True,
                     use_resource=None, custom_getter=None, constraint=None,
                     synchronization=None, aggregation=None):
        """Create or reuse variable `name` per `reuse`; `custom_getter(getter, name, ...)`,
        if given, is called instead and may call `getter` to do the actual work."""
        if custom_getter is not None and not callable(custom_getter):
            raise ValueError("Passed a custom_getter which is not callable: %s" % custom_getter)
        if partitioner is not None:
            raise NotImplementedError("Partitioned variables (partitioner=%r) are not supported "
                                      "by rnngraph" % (partitioner,))
        dtype = dtypes.as_dtype(dtype)

        def true_getter(name, shape=None, dtype=dtypes.float32, initializer=None,
                        regularizer=None, reuse=None, trainable=None, collections=None,
                        caching_device=None, partitioner=None, validate_shape=True,
                        use_resource=None, constraint=None, synchronization=None,
                        aggregation=None):
            if partitioner is not None:
                raise NotImplementedError("Partitioned variables are not supported by rnngraph")
            return self._get_single_variable(
                name, shape=shape, dtype=dtype, initializer=initializer, regularizer=regularizer,
                reuse=reuse, trainable=trainable, collections=collections,
                validate_shape=validate_shape, constraint=constraint)

        kwargs = dict(name=name, shape=shape, dtype=dtype, initializer=initializer,
                      regularizer=regularizer, reuse=reuse, trainable=trainable,
                      collections=collections, caching_device=caching_device,
                      partitioner=partitioner, validate_shape=validate_shape,
                      use_resource=use_resource, synchronization=synchronization,
                      aggregation=aggregation)
        if custom_getter is None:
            return true_getter(constraint=constraint, **kwargs)
        if _accepts(custom_getter, "constraint"):
            kwargs["constraint"] = constraint
        return custom_getter(getter=true_getter, **kwargs)

    def _get_single_variable(self, name, shape=None, dtype=dtypes.float32, initializer=None,
                             regularizer=None, reuse=None, trainable=None, collections=None,
                             validate_shape=True, constraint=None):
        initializing_from_value = initializer is not None and not callable(initializer)
        if shape is not None and initializing_from_value:
            raise ValueError("If initializer is a constant, do not specify shape.")
        dtype = dtypes.as_dtype(dtype)
        if shape is not None:
            shape = as_shape(shape)

        if name in self._vars:
            found = self._vars[name]
            if reuse is False:
                raise ValueError(
                    "Variable %s already exists, disallowed. Did you mean to set reuse=True or "
                    "reuse=tf.AUTO_REUSE in VarScope? Originally defined at:\n\n  %s\n"
                    % (name, found.op.defined_at))
            if shape is not None and not shape.is_compatible_with(found.get_shape()):
                raise ValueError("Trying to share variable %s, but specified shape %s and found "
                                 "shape %s." % (name, shape, found.get_shape()))
            if not dtype.is_compatible_with(found.dtype):
                # TF1 prints the variable's ref dtype ("float32_ref").
                raise ValueError("Trying to share variable %s, but specified dtype %s and found "
                                 "dtype %s_ref." % (name, dtype.name, found.dtype.name))
            return found

        if reuse is True:
            raise ValueError("Variable %s does not exist, or was not created with "
                             "tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in "
                             "VarScope?" % name)
        if initializer is None:
            if shape is None:
                raise ValueError("Variable %s did not get an initializer, so its `shape` "
                                 "argument must be specified." % name)
            initializer = self._default_initializer(name, dtype)

        if initializing_from_value:
            init_val, variable_dtype = initializer, None
        else:
            if inspect.isclass(initializer):
                initializer = initializer()
            if shape is not None and shape.is_fully_defined():
                kwargs = {"dtype": dtype}
                if _accepts(initializer, "partition_info"):
                    kwargs["partition_info"] = None
                init_val = functools.partial(initializer, shape.as_list(), **kwargs)
                variable_dtype = dtype
            elif _needs_no_arguments(initializer):
                init_val, variable_dtype = initializer, None
            else:
                raise ValueError("The initializer passed is not valid. It should be a callable "
                                 "with no arguments and the shape should not be provided or an "
                                 "instance of `tf.keras.initializers.*' and `shape` should be "
                                 "fully defined.")

        v = Variable(initial_value=init_val, name=name, trainable=trainable,
                     collections=collections, dtype=variable_dtype,
                     validate_shape=validate_shape, constraint=constraint, shape=shape)
        self._vars[name] = v
        if regularizer:
            with name_scope(name + "/Regularizer/"), control_dependencies(None):
                loss = regularizer(v)
            if loss is not None:
                add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
        return v

    @staticmethod
    def _default_initializer(name, dtype):
        """glorot_uniform for floats, zeros for integers and bools (TF1's defaults)."""
        if dtype.is_floating:
            return init_ops.glorot_uniform_initializer()
        if dtype.is_integer or dtype.is_bool:
            return init_ops.zeros_initializer()
        raise ValueError("An initializer for variable %s of %s is required" % (name, dtype))


class VariableScope:
    """What a variable scope carries: its name, reuse mode and the defaults (initializer,
    regularizer, dtype, custom getter...) given to get_variable calls inside it.

    `original_name_scope` is the name scope opened when the scope was first entered;
    re-entering the scope object reuses it for variables but opens a new name scope.
    """

    def __init__(self, reuse, name="", initializer=None, regularizer=None, caching_device=None,
                 partitioner=None, custom_getter=None, name_scope="", dtype=dtypes.float32,
                 use_resource=None, constraint=None):
        self._name = name
        self._initializer = initializer
        self._regularizer = regularizer
        self._reuse = reuse
        self._caching_device = caching_device
        self._partitioner = partitioner
        self._custom_getter = custom_getter
        self._name_scope = name_scope
        self._dtype = dtype
        self._use_resource = use_resource
        self._constraint = constraint

    name = property(lambda self: self._name)
    original_name_scope = property(lambda self: self._name_scope)
    reuse = property(lambda self: self._reuse)
    initializer = property(lambda self: self._initializer)
    dtype = property(lambda self: self._dtype)
    use_resource = property(lambda self: self._use_resource)
    regularizer = property(lambda self: self._regularizer)
    caching_device = property(lambda self: self._caching_device)
    partitioner = property(lambda self: self._partitioner)
    custom_getter = property(lambda self: self._custom_getter)
    constraint = property(lambda self: self._constraint)

    def reuse_variables(self):
        """Reuse variables in this scope from now on (cannot be undone)."""
        self._reuse = True

    def set_initializer(self, initializer):
        self._initializer = initializer

    def set_dtype(self, dtype):
        self._dtype = dtype

    def set_use_resource(self, use_resource):
        self._use_resource = use_resource

    def set_regularizer(self, regularizer):
        self._regularizer = regularizer

    def set_caching_device(self, caching_device):
        self._caching_device = caching_device

    def set_partitioner(self, partitioner):
        self._partitioner = partitioner

    def set_custom_getter(self, custom_getter):
        self._custom_getter = custom_getter

    def get_collection(self, name):
        """Collection `name` filtered to items named under this scope."""
        return get_collection(name, self._name + "/" if self._name else "")

    def trainable_variables(self):
        return self.get_collection(GraphKeys.TRAINABLE_VARIABLES)

    def global_variables(self):
        return self.get_collection(GraphKeys.GLOBAL_VARIABLES)

    def local_variables(self):
        return self.get_collection(GraphKeys.LOCAL_VARIABLES)

    def get_variable(self, var_store, name, shape=None, dtype=None, initializer=None,
                     regularizer=None, reuse=None, trainable=None, collections=None,
                     caching_device=None, partitioner=None, validate_shape=True,
                     use_resource=None, custom_getter=None, constraint=None,
                     synchronization=None, aggregation=None):
        """get_variable with this scope's name prefix and defaults."""
        if regularizer is None:
            regularizer = self._regularizer
        if caching_device is None:
            caching_device = self._caching_device
        if partitioner is None:
            partitioner = self._partitioner
        if custom_getter is None:
            custom_getter = self._custom_getter
        if reuse is None:
            reuse = self._reuse
        if use_resource is None:
            use_resource = self._use_resource
        full_name = self.name + "/" + name if self.name else name
        with name_scope(None):
            if dtype is not None and initializer is not None and not callable(initializer):
                init_dtype = convert_to_tensor(initializer).dtype
                if init_dtype != dtype:
                    raise ValueError("Initializer type '%s' and explicit dtype '%s' don't match."
                                     % (init_dtype, dtypes.as_dtype(dtype)))
            if initializer is None:
                initializer = self._initializer
            if constraint is None:
                constraint = self._constraint
            if dtype is None:
                dtype = self._dtype
            return var_store.get_variable(
                full_name, shape=shape, dtype=dtype, initializer=initializer,
                regularizer=regularizer, reuse=reuse, trainable=trainable,
                collections=collections, caching_device=caching_device,
                partitioner=partitioner, validate_shape=validate_shape,
                use_resource=use_resource, custom_getter=custom_getter, constraint=constraint,
                synchronization=synchronization, aggregation=aggregation)


class _VariableScopeStore(threading.local):
    """Per graph and thread: the current VariableScope, and how often each variable-scope
    name is open (to make default names unique)."""

    def __init__(self):
        super().__init__()
        self.current_scope = VariableScope(False)
        self.variable_scopes_count = {}

    def open_variable_scope(self, scope_name):
        self.variable_scopes_count[scope_name] = self.variable_scopes_count.get(scope_name, 0) + 1

    def close_variable_subscopes(self, scope_name):
        prefix = None if scope_name is None else scope_name + "/"
        for k in self.variable_scopes_count:
            if prefix is None or k.startswith(prefix):
                self.variable_scopes_count[k] = 0

    def variable_scope_count(self, scope_name):
        return self.variable_scopes_count.get(scope_name, 0)


def _get_scope_store():
    return get_default_graph()._attached_object(_SCOPE_STORE_KEY, _VariableScopeStore)


def _get_default_variable_store():
    return get_default_graph()._attached_object(_STORE_KEY, _VariableStore)


def get_variable_scope():
    """The current VariableScope of the default graph."""
    return _get_scope_store().current_scope


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                 trainable=None, collections=None, caching_device=None, partitioner=None,
                 validate_shape=True, use_resource=None, custom_getter=None, constraint=None,
                 synchronization=None, aggregation=None):
    """Get the variable `<current variable scope>/name`, creating it unless the scope
    reuses variables.

    shape: needed unless `initializer` is a value (a Tensor, array or list: then the shape
      is the value's). dtype: default the scope's (float32).
    initializer: an initializer object or class (called with shape and dtype), a callable
      with no arguments, or an initial value. Default: the scope's, else glorot_uniform
      for floats and zeros for integers and bools.
    regularizer: fn(variable) -> loss tensor, added to GraphKeys.REGULARIZATION_LOSSES.
    trainable, collections, validate_shape, constraint: as for tf.Variable.
    custom_getter: fn(getter, name, *args, **kwargs) wrapping the creation.
    """
    return get_variable_scope().get_variable(
        _get_default_variable_store(), name, shape=shape, dtype=dtype, initializer=initializer,
        regularizer=regularizer, trainable=trainable, collections=collections,
        caching_device=caching_device, partitioner=partitioner, validate_shape=validate_shape,
        use_resource=use_resource, custom_getter=custom_getter, constraint=constraint,
        synchronization=synchronization, aggregation=aggregation)


def get_local_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                       trainable=False, collections=None, caching_device=None, partitioner=None,
                       validate_shape=True, use_resource=None, custom_getter=None,
                       constraint=None, synchronization=None, aggregation=None):
    """get_variable for a non-trainable variable in GraphKeys.LOCAL_VARIABLES."""
    collections = list(collections or []) + [GraphKeys.LOCAL_VARIABLES]
    return get_variable(name, shape=shape, dtype=dtype, initializer=initializer,
                        regularizer=regularizer, trainable=False, collections=collections,
                        caching_device=caching_device, partitioner=partitioner,
                        validate_shape=validate_shape, use_resource=use_resource,
                        custom_getter=custom_getter, constraint=constraint,
                        synchronization=synchronization, aggregation=aggregation)


def _maybe_wrap_custom_getter(custom_getter, old_getter):
    """Nest a scope's custom getter inside the enclosing scope's one."""
    if old_getter is None:
        return custom_getter

    def wrapped_custom_getter(getter, *args, **kwargs):
        return custom_getter(functools.partial(old_getter, getter), *args, **kwargs)
    return wrapped_custom_getter


class _pure_variable_scope:  # noqa: N801 (TF1's name)
    """Switch the current VariableScope (no name scope): to a copy of a given VariableScope,
    or to a child of the current one named `name_or_scope`, with the given overrides."""

    def __init__(self, name_or_scope, reuse=None, initializer=None, regularizer=None,
                 caching_device=None, partitioner=None, custom_getter=None, old_name_scope=None,
                 dtype=dtypes.float32, use_resource=None, constraint=None):
        self._name_or_scope = name_or_scope
        self._reuse = reuse
        self._overrides = dict(initializer=initializer, regularizer=regularizer,
                               caching_device=caching_device, partitioner=partitioner,
                               dtype=dtype, use_resource=use_resource)
        self._custom_getter = custom_getter
        self._old_name_scope = old_name_scope
        self._constraint = constraint
        self._var_scope_store = _get_scope_store()
        self._last_variable_scope_object = None
        if isinstance(name_or_scope, VariableScope):
            self._new_name = name_or_scope.name
            self._cached_variable_scope_object = self._derive(
                name_or_scope, self._reuse if self._reuse else name_or_scope.reuse,
                self._new_name, name_or_scope.original_name_scope)

    def _derive(self, base, reuse, name, name_scope_):
        """A new VariableScope: `base`'s settings with this scope's overrides."""
        scope = VariableScope(
            reuse, name=name, initializer=base.initializer, regularizer=base.regularizer,
            caching_device=base.caching_device, partitioner=base.partitioner, dtype=base.dtype,
            custom_getter=base.custom_getter, name_scope=name_scope_,
            use_resource=base.use_resource, constraint=self._constraint)
        setters = dict(initializer=scope.set_initializer, regularizer=scope.set_regularizer,
                       caching_device=scope.set_caching_device,
                       partitioner=scope.set_partitioner, dtype=scope.set_dtype,
                       use_resource=scope.set_use_resource)
        for key, value in self._overrides.items():
            if value is not None:
                setters[key](dtypes.as_dtype(value) if key == "dtype" else value)
        if self._custom_getter is not None:
            scope.set_custom_getter(_maybe_wrap_custom_getter(self._custom_getter,
                                                              base.custom_getter))
        return scope

    def __enter__(self):
        store = self._var_scope_store
        self._old = store.current_scope
        if isinstance(self._name_or_scope, VariableScope):
            store.open_variable_scope(self._new_name)
            self._old_subscopes = dict(store.variable_scopes_count)
            scope = self._cached_variable_scope_object
        else:
            old = self._old
            self._new_name = (old.name + "/" + self._name_or_scope if old.name
                              else self._name_or_scope)
            self._reuse = self._reuse or old.reuse  # reuse is inherited by sub-scopes
            name_scope_ = (self._name_or_scope if self._old_name_scope is None
                           else self._old_name_scope)
            scope = self._derive(old, self._reuse, self._new_name, name_scope_)
            store.open_variable_scope(self._new_name)
        store.current_scope = scope
        self._last_variable_scope_object = scope
        return scope

    def __exit__(self, *exc):
        store = self._var_scope_store
        if store.current_scope is not self._last_variable_scope_object:
            raise RuntimeError("Improper nesting of variable_scope.")
        if isinstance(self._name_or_scope, VariableScope):
            store.variable_scopes_count = self._old_subscopes
        else:
            store.close_variable_subscopes(self._new_name)
        store.current_scope = self._old
        return False


def _get_unique_variable_scope(prefix):
    """`prefix`, or `prefix_N` with the first N whose variable scope is not open yet."""
    store = _get_scope_store()
    current = get_variable_scope()
    name = current.name + "/" + prefix if current.name else prefix
    if store.variable_scope_count(name) == 0:
        return prefix
    idx = 1
    while store.variable_scope_count(name + ("_%d" % idx)) > 0:
        idx += 1
    return prefix + ("_%d" % idx)


class variable_scope:  # noqa: N801 (TF1's name)
    """Context manager opening a variable scope (and, unless auxiliary_name_scope=False, a
    name scope); yields the VariableScope.

    name_or_scope: a string, or a VariableScope captured earlier (re-entering it: the same
      variable names, with a fresh name scope named after its last component).
    default_name: used, made unique, when name_or_scope is None.
    values: tensors the scope's ops use (selects their graph).
    reuse: True, AUTO_REUSE, or None/False (inherit the parent's).
    initializer, regularizer, dtype, custom_getter, ...: defaults for get_variable inside.
    """

    def __init__(self, name_or_scope, default_name=None, values=None, initializer=None,
                 regularizer=None, caching_device=None, partitioner=None, custom_getter=None,
                 reuse=None, dtype=None, use_resource=None, constraint=None,
                 auxiliary_name_scope=True):
        self._name_or_scope = name_or_scope
        self._default_name = default_name
        self._values = values if values is not None else []
        self._scope_args = dict(initializer=initializer, regularizer=regularizer,
                                caching_device=caching_device, partitioner=partitioner,
                                custom_getter=custom_getter, dtype=dtype,
                                use_resource=use_resource, constraint=constraint)
        self._reuse = None if reuse is False else reuse
        if default_name is None and name_or_scope is None:
            raise TypeError("If default_name is None then name_or_scope is required")
        if not (self._reuse is True or self._reuse is None or self._reuse is AUTO_REUSE):
            raise ValueError("The reuse parameter must be True or False or None.")
        if not isinstance(auxiliary_name_scope, bool):
            raise TypeError("The auxiliary_name_scope must be `True` or `False`, while get {}"
                            .format(auxiliary_name_scope))
        self._auxiliary_name_scope = auxiliary_name_scope
        self._graph = graph_of(self._values)
        self._cached_pure_variable_scope = None
        self._current_name_scope = None

    def __enter__(self):
        self._graph_cm = self._graph.as_default()
        self._graph_cm.__enter__()
        if self._cached_pure_variable_scope is not None:
            if self._current_name_scope is not None:
                self._current_name_scope.__enter__()
            return self._cached_pure_variable_scope.__enter__()
        try:
            return self._enter_scope_uncached()
        except BaseException:
            self._graph_cm.__exit__(None, None, None)
            raise

    def _enter_scope_uncached(self):
        if self._auxiliary_name_scope:
            current_name_scope = None
        else:
            # Stay in the current name scope (re-entered exactly, not uniquified).
            ns = get_default_graph().get_name_scope()
            current_name_scope = name_scope(ns + "/" if ns else "")
        if self._name_or_scope is not None:
            if not isinstance(self._name_or_scope, (VariableScope, str)):
                raise TypeError("VariableScope: name_or_scope must be a string or VariableScope.")
            if isinstance(self._name_or_scope, str):
                ns_name = self._name_or_scope
            else:
                ns_name = self._name_or_scope.name.split("/")[-1]
            old_name_scope = None
            if ns_name or current_name_scope:
                current_name_scope = current_name_scope or name_scope(ns_name)
                entered = current_name_scope.__enter__()
                self._current_name_scope = current_name_scope
                old_name_scope = (entered if isinstance(self._name_or_scope, str)
                                  else self._name_or_scope.original_name_scope)
            pure = _pure_variable_scope(self._name_or_scope, reuse=self._reuse,
                                        old_name_scope=old_name_scope, **self._scope_args)
        else:
            if self._reuse:
                raise ValueError("reuse=True cannot be used without a name_or_scope")
            current_name_scope = current_name_scope or name_scope(self._default_name)
            entered = current_name_scope.__enter__()
            self._current_name_scope = current_name_scope
            unique_default_name = _get_unique_variable_scope(self._default_name)
            pure = _pure_variable_scope(unique_default_name, old_name_scope=entered,
                                        **self._scope_args)
        try:
            entered_scope = pure.__enter__()
        except BaseException:
            if self._current_name_scope is not None:
                self._current_name_scope.__exit__(None, None, None)
            raise
        self._cached_pure_variable_scope = pure
        return entered_scope

    def __exit__(self, *exc):
        try:
            self._cached_pure_variable_scope.__exit__(*exc)
        finally:
            try:
                if self._current_name_scope is not None:
                    self._current_name_scope.__exit__(*exc)
            finally:
                self._graph_cm.__exit__(*exc)
        return False


def variable_op_scope(values, name_or_scope, default_name=None, **kwargs):
    """Deprecated: variable_scope(name_or_scope, default_name, values, ...)."""
    return variable_scope(name_or_scope, default_name=default_name, values=values, **kwargs)
