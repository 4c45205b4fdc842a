"""TF1's `tf.layers.Layer` scoping: how a layer object owns a variable scope and its weights.

TF1's RNN cells are layers (tf_keras/src/legacy_tf_layers/base.py on top of Keras'
base_layer_v1), and what a TF1 program sees of that machinery is mostly naming and sharing:

- Scope capture. The first call (or first `add_weight`) opens
  `variable_scope(scope, default_name=<snake_case class name or name=>)` inside the current
  variable scope and keeps the VariableScope it yields. A default name is made unique per
  parent scope, so two unnamed LSTMCells are `lstm_cell` and `lstm_cell_1`, but a cell
  created inside `variable_scope("rnn")` is `rnn/lstm_cell`. With `reuse=True` in the
  constructor the name is taken as is (to find an earlier layer's weights). An explicit
  `scope=` on the first call is used as is. Once captured, the scope never changes: later
  calls from other scopes still use (and reuse) it.
- Build once, then reuse. The first call builds (creates variables with reuse as given);
  every later call re-enters the captured scope with reuse=True, so `get_variable` inside
  `call` returns the same variables.
- Name scopes. Ops of a call are created under the captured scope's original name scope
  (`rnn/lstm_cell/MatMul`, then `rnn/lstm_cell/MatMul_1` for the second call), re-entered
  exactly rather than made unique, as TF1 does.
- Weights. `add_weight` goes through `tf.get_variable` in the captured scope and records
  the variable as trainable or not; `trainable_weights`, `weights`, `variables`, ... read
  those lists.
- Keras input checks: `input_spec` (only `ndim` is supported), the layer's dtype taken from
  the first input when not given, numpy/Python inputs converted to tensors.

Departure from TF: context managers are never cached between calls (TF caches the "always
reuse" variable_scope object); every call opens a fresh one in the current default graph,
so a layer first called outside a loop body and later inside one (a FuncGraph) builds its
ops in the body's graph. Only what TF1 programs observe is implemented (no Keras
functional API, no losses/updates tracking beyond regularizers of get_variable, no
autocasting).
"""
import inspect
import re

import numpy as np

from ..framework import dtypes, nest
from ..framework.graph import GraphKeys, get_collection, get_default_graph, name_scope
from ..framework.tensor_shape import TensorShape
from .tensor_conversion import convert_to_tensor, is_tensor
from .variable_scope import VariableScope, get_variable, variable_scope

__all__ = ["Layer", "InputSpec", "to_snake_case"]

_NAME_UIDS_KEY = "base_layer.name_uids"


def to_snake_case(name):
    """Keras' class-name-to-layer-name rule: BasicLSTMCell -> basic_lstm_cell."""
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    insecure = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    if insecure[0] != "_":
        return insecure
    return "private" + insecure


def _unique_layer_name(base_name):
    """`base_name`, `base_name_1`, ... counted per graph: the layer's `.name` (which is not
    its variable scope: that is made unique per parent variable scope when first called)."""
    uids = get_default_graph()._attached_object(_NAME_UIDS_KEY, dict)
    n = uids.get(base_name, 0)
    uids[base_name] = n + 1
    return base_name if n == 0 else "%s_%d" % (base_name, n)


class InputSpec:
    """What a layer accepts; rnngraph checks `ndim` (the RNN cells' rank-2 requirement)."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None):
        self.dtype = dtype
        self.shape = shape
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = axes or {}

    def __repr__(self):
        return "InputSpec(ndim=%s)" % self.ndim


def _assert_input_compatibility(input_spec, inputs, layer_name):
    """Keras' rank check of each input against the layer's InputSpec (build time)."""
    if not input_spec:
        return
    specs = nest.flatten(input_spec)
    flat = nest.flatten(inputs)
    for i, (spec, x) in enumerate(zip(specs, flat)):
        if spec is None or not is_tensor(x):
            continue
        ndim = x.shape.ndims
        if spec.ndim is not None and ndim is not None and ndim != spec.ndim:
            raise ValueError('Input %d of layer "%s" is incompatible with the layer: expected '
                             'ndim=%d, found ndim=%d. Full shape received: %s (tensor %s)'
                             % (i, layer_name, spec.ndim, ndim, tuple(x.shape.as_list()),
                                x.name))
        if spec.min_ndim is not None and ndim is not None and ndim < spec.min_ndim:
            raise ValueError('Input %d of layer "%s" is incompatible with the layer: expected '
                             'min_ndim=%d, found ndim=%d. Full shape received: %s (tensor %s)'
                             % (i, layer_name, spec.min_ndim, ndim, tuple(x.shape.as_list()),
                                x.name))


def _to_tensor_if_data(x):
    """Keras converts NumPy arrays and Python numbers given as layer inputs to tensors."""
    if not is_tensor(x) and isinstance(x, (int, float, np.ndarray, np.generic)) \
            and not isinstance(x, bool):
        return convert_to_tensor(x)
    return x


class Layer:
    """Base of TF1 layers (here: the RNN cells). Subclasses define `build(input_shape)`,
    creating weights with `add_weight`, and `call(inputs, ...)`; `layer(inputs, ...)`
    builds once and calls under the layer's variable scope (see the module docstring).

    trainable: whether the layer's weights are trainable (added to
      GraphKeys.TRAINABLE_VARIABLES).
    name: the base of the layer's variable scope (made unique unless `_reuse`), or a
      VariableScope.
    dtype: the weights' dtype; default: the first input's dtype.
    _scope, _reuse: TF1's private constructor arguments (a scope to capture now; reuse
      for the layer's variables).

    Every attribute has a class-level default, so a subclass that never calls
    `Layer.__init__` (old TF1 cells overriding `__call__` did this) still works.
    """

    built = False
    input_spec = None
    _scope = None
    _reuse = None
    _trainable = True
    _dtype = None
    _name = None
    _current_scope = None

    def __init__(self, trainable=True, name=None, dtype=None, **kwargs):
        scope = kwargs.pop("_scope", None)
        self._reuse = kwargs.pop("_reuse", None)
        for key in ("input_shape", "batch_input_shape", "batch_size", "weights",
                    "activity_regularizer", "autocast", "dynamic", "input_dim"):
            kwargs.pop(key, None)
        if kwargs:
            raise TypeError("Keyword argument not understood: %s" % ", ".join(sorted(kwargs)))
        self._trainable = bool(trainable)
        self._dtype = None if dtype is None else dtypes.as_dtype(dtype)
        self._trainable_weights = []
        self._non_trainable_weights = []
        self.built = False
        self._init_set_name(name)
        if scope:
            with variable_scope(scope) as captured_scope:
                self._scope = captured_scope
        else:
            self._scope = None
        self._current_scope = None

    # --- names and scope --------------------------------------------------------------------
    def _init_set_name(self, name):
        if isinstance(name, VariableScope):
            self._base_name = name.name
            self._name = _unique_layer_name(to_snake_case(type(self).__name__))
        elif name:
            self._base_name = self._name = name
        else:
            self._base_name = to_snake_case(type(self).__name__)
            self._name = _unique_layer_name(self._base_name)

    @property
    def name(self):
        """The layer's name (unique per graph; not necessarily its variable scope)."""
        if self._name is None:
            self._name = _unique_layer_name(self._get_base_name())
        return self._name

    def _get_base_name(self):
        base = self.__dict__.get("_base_name")
        return base if base else to_snake_case(type(self).__name__)

    @property
    def scope_name(self):
        """The variable scope's name, known once the layer has been called."""
        if not self._scope:
            raise ValueError('No name available for layer scope because the layer "%s" has not '
                             'been used yet. The scope name is determined the first time the '
                             'layer instance is called. You must therefore call the layer '
                             'before querying `scope_name`.' % self.name)
        return self._scope.name

    def _set_scope(self, scope=None):
        """Capture the layer's variable scope (once): `scope` as given, or the base name,
        uniquified in the current variable scope unless the layer reuses variables."""
        if self._scope is None:
            if self._reuse:
                with variable_scope(scope if scope is not None
                                    else self._get_base_name()) as captured_scope:
                    self._scope = captured_scope
            else:
                with variable_scope(scope, default_name=self._get_base_name()) as captured_scope:
                    self._scope = captured_scope

    def _name_scope(self):
        """The name scope of the layer's ops: its variable scope's first name scope, exactly."""
        ns = self._current_scope.original_name_scope
        if ns and not ns.endswith("/"):
            ns += "/"
        return ns

    # --- properties ----------------------------------------------------------------------
    @property
    def dtype(self):
        """The weights' dtype name ('float32'), or None before the first call infers it
        (TF returns the name string too)."""
        return None if self._dtype is None else self._dtype.name

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)

    def _weight_lists(self):
        d = self.__dict__
        return d.setdefault("_trainable_weights", []), d.setdefault("_non_trainable_weights", [])

    @property
    def trainable_weights(self):
        trainable, _ = self._weight_lists()
        return list(trainable) if self.trainable else []

    @property
    def non_trainable_weights(self):
        trainable, non_trainable = self._weight_lists()
        if self.trainable:
            return list(non_trainable)
        return list(trainable) + list(non_trainable)

    @property
    def weights(self):
        """trainable_weights + non_trainable_weights (the order TF lists them in)."""
        return self.trainable_weights + self.non_trainable_weights

    @property
    def trainable_variables(self):
        return self.trainable_weights

    @property
    def non_trainable_variables(self):
        return self.non_trainable_weights

    @property
    def variables(self):
        return self.weights

    def _track_variable(self, variable, trainable=True):
        """Record `variable` once, as trainable if asked and in TRAINABLE_VARIABLES."""
        trainable_list, non_trainable_list = self._weight_lists()
        if any(variable is v for v in trainable_list + non_trainable_list):
            return
        in_collection = any(variable is v
                            for v in get_collection(GraphKeys.TRAINABLE_VARIABLES))
        (trainable_list if trainable and in_collection else non_trainable_list).append(variable)

    # --- weights -------------------------------------------------------------------------------
    def add_weight(self, name, shape, dtype=None, initializer=None, regularizer=None,
                   trainable=None, constraint=None, use_resource=None, synchronization=None,
                   aggregation=None, partitioner=None, **kwargs):
        """Create (first build) or reuse (reuse=True layer) variable `<layer scope>/name`
        with tf.get_variable. initializer None: the variable scope's, else get_variable's
        default (glorot_uniform for floats)."""
        for key in kwargs:
            if key != "experimental_autocast":
                raise TypeError("Unknown keyword argument:", key)
        if trainable is None:
            trainable = True
        if dtype is None:
            dtype = self._dtype or dtypes.float32
        self._set_scope(None)
        reuse = self.built or self._reuse
        with variable_scope(self._scope, reuse=reuse, auxiliary_name_scope=False) as scope:
            self._current_scope = scope
            with name_scope(self._name_scope()):
                if initializer is None:
                    initializer = scope.initializer
                variable = get_variable(name, shape=shape, dtype=dtypes.as_dtype(dtype),
                                        initializer=initializer, regularizer=regularizer,
                                        trainable=trainable and self.trainable,
                                        constraint=constraint, partitioner=partitioner,
                                        use_resource=use_resource)
        self._track_variable(variable, trainable and self.trainable)
        return variable

    add_variable = add_weight

    # --- calling -------------------------------------------------------------------------------
    def build(self, input_shape):
        """Create the layer's weights; called once, before the first `call`."""
        self.built = True

    def call(self, inputs, *args, **kwargs):
        return inputs

    def _call_has_scope_arg(self):
        try:
            params = inspect.signature(self.call).parameters
        except (TypeError, ValueError):
            return False
        return "scope" in params

    def _maybe_build(self, inputs):
        """Build on the first call: the dtype from the first input if none was given, then
        `build` with the inputs' static shapes."""
        if self.built:
            return
        if self._dtype is None:
            first = next((x for x in nest.flatten(inputs) if is_tensor(x)), None)
            if first is not None:
                self._dtype = convert_to_tensor(first).dtype.base_dtype
        input_shapes = nest.map_structure(
            lambda x: convert_to_tensor(x).shape if is_tensor(x) else TensorShape(None), inputs)
        self.build(input_shapes)
        self.built = True

    def __call__(self, inputs, *args, **kwargs):
        """Build if needed, then `call` under the layer's variable scope (reusing its
        variables after the first call) and name scope. `scope=` (first call only) names
        the variable scope."""
        scope = kwargs.pop("scope", None)
        self._set_scope(scope)
        reuse = True if self.built else self._reuse
        with variable_scope(self._scope, reuse=reuse, auxiliary_name_scope=False) as scope:
            self._current_scope = scope
            if self._call_has_scope_arg():
                kwargs["scope"] = scope
            inputs = nest.map_structure(_to_tensor_if_data, inputs)
            with name_scope(self._name_scope()):
                _assert_input_compatibility(self.input_spec, inputs, self.name)
                self._maybe_build(inputs)
                outputs = self.call(inputs, *args, **kwargs)
        return outputs

    def apply(self, *args, **kwargs):
        return self(*args, **kwargs)
