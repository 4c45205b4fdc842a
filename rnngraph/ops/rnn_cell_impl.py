"""TF1's RNN cells (tf.nn.rnn_cell): the RNNCell protocol and the built-in cells.

A cell is one step of a recurrent network: `output, new_state = cell(inputs, state)` with
`inputs` of shape [batch, depth] and a state shaped by `cell.state_size` (an int, a
TensorShape, or a nested tuple/namedtuple of them, each meaning [batch] + size).
`cell.zero_state(batch_size, dtype)` builds the matching all-zeros state. The RNN
functions (dynamic_rnn, static_rnn, ...) only rely on this protocol, so users write their
own cells by subclassing RNNCell and defining `state_size`, `output_size` and
`call(inputs, state)` (or by overriding `__call__` entirely, the oldest TF1 style).

Variable scoping follows TF1 exactly, because checkpoints and `tf.get_variable`-sharing
code depend on the names (see base_layer.py for the machinery):
- the first call captures `<current variable scope>/<cell name>` (`rnn/lstm_cell`), a
  default name made unique per parent scope (`lstm_cell`, `lstm_cell_1`), and creates the
  variables there; every later call reuses them, wherever it is made from;
- `name=`, `scope=` (first call) and `reuse=` are honoured as in TF1;
- a plain RNNCell (MultiRNNCell, user subclasses) calls `call` inside that scope, so
  `tf.get_variable` in `call` creates on the first call and reuses after; the variables
  it gets are tracked (TF's `_rnn_get_variable` custom getter) for `trainable_variables`.

Weight layouts, names, default initializers and the arithmetic are those of TF1's legacy
cells (tf_keras/src/layers/rnn/legacy_cells.py): `kernel` is [input_depth + h_depth,
k * num_units] applied to concat([inputs, h]); LSTM gates are split in the order i, j, f,
o with `forget_bias` added to f; the GRU's `gates/bias` starts at 1.0. So numbers match TF
for the same weights.

Build-time checks: inputs must be rank 2 with a known depth (the kernel's shape needs
it) and floating point; a state whose nesting or per-leaf depth does not match
`state_size` is a ValueError naming the cell (TF would fail later inside concat/matmul, or
silently broadcast a [batch, 1] state).
"""
import collections

import numpy as np

from ..framework import dtypes, nest
from ..framework.constant_folding import constant_value
from ..framework.graph import name_scope
from ..framework.tensor_shape import TensorShape
from . import array_ops, clip_ops, init_ops, math_ops, nn_ops
from .base_layer import InputSpec, Layer
from .tensor_conversion import constant, convert_to_tensor, is_tensor
from .variable_scope import get_variable_scope, variable_scope

__all__ = [
    "RNNCell", "LayerRNNCell", "LSTMStateTuple", "BasicRNNCell", "GRUCell", "BasicLSTMCell",
    "LSTMCell", "MultiRNNCell", "assert_like_rnncell",
]

_BIAS_VARIABLE_NAME = "bias"
_WEIGHTS_VARIABLE_NAME = "kernel"


# --- activations and initializers given by name --------------------------------------------------

def _linear(x):
    return x


def _swish(x):
    return x * math_ops.sigmoid(x)


_ACTIVATIONS = {
    "tanh": math_ops.tanh, "sigmoid": math_ops.sigmoid, "relu": nn_ops.relu,
    "relu6": nn_ops.relu6, "elu": nn_ops.elu, "selu": nn_ops.selu,
    "softplus": nn_ops.softplus, "softsign": nn_ops.softsign, "softmax": nn_ops.softmax,
    "exponential": math_ops.exp, "linear": _linear, "swish": _swish, "silu": _swish,
}


def _get_activation(activation):
    """`activation` as a function: None -> tanh (the cells' default), a callable as is, a
    Keras activation name looked up (TF's `activations.get`)."""
    if not activation:
        return math_ops.tanh
    if callable(activation):
        return activation
    if isinstance(activation, str) and activation in _ACTIVATIONS:
        return _ACTIVATIONS[activation]
    raise ValueError("Unknown activation function: %r. rnngraph knows the names %s; pass a "
                     "callable for others." % (activation, ", ".join(sorted(_ACTIVATIONS))))


_INITIALIZERS = {
    "zeros": init_ops.Zeros, "ones": init_ops.Ones, "constant": init_ops.Constant,
    "glorot_uniform": init_ops.GlorotUniform, "glorot_normal": init_ops.GlorotNormal,
    "orthogonal": init_ops.Orthogonal, "identity": init_ops.Identity,
    "random_uniform": init_ops.RandomUniform, "random_normal": init_ops.RandomNormal,
    "truncated_normal": init_ops.TruncatedNormal, "variance_scaling": init_ops.VarianceScaling,
    "he_normal": init_ops.he_normal, "he_uniform": init_ops.he_uniform,
    "lecun_normal": init_ops.lecun_normal, "lecun_uniform": init_ops.lecun_uniform,
}


def _get_initializer(initializer):
    """`initializer` as given (None, an initializer object or callable), or a Keras
    initializer name instantiated with its defaults (TF's `initializers.get`)."""
    if initializer is None or callable(initializer):
        return initializer
    if isinstance(initializer, str) and initializer in _INITIALIZERS:
        return _INITIALIZERS[initializer]()
    raise ValueError("Could not interpret initializer identifier: %r" % (initializer,))


def _zeros_initializer(dtype):
    if dtype is None:
        return init_ops.zeros_initializer()
    return init_ops.zeros_initializer(dtype=dtype)


# --- zero states ---------------------------------------------------------------------------------

def _as_static_shape(value):
    """A batch size or state size (int, TensorShape, list, folded NumPy value, None) as a
    TensorShape; a scalar is a one-dimension shape, as TF's TensorShape(2) is [2]."""
    if value is None:
        return TensorShape(None)
    if isinstance(value, np.ndarray):
        return TensorShape([int(value)] if value.ndim == 0 else [int(v) for v in value])
    if isinstance(value, (int, np.integer)):
        return TensorShape([int(value)])
    return TensorShape(value)


def _concat(prefix, suffix, static=False):
    """[prefix..., suffix...] for int, TensorShape or (scalar or vector) Tensor parts: a
    1-D int32 Tensor, or with static=True a list of ints/None (None if the rank is
    unknown). TF's rnn_cell_impl._concat, used for zero states and by the RNN functions."""
    parts, statics = [], []
    for value, what in ((prefix, "Prefix"), (suffix, "suffix")):
        if is_tensor(value):
            t = convert_to_tensor(value)
            statics.append(constant_value(t))
            if t.shape.ndims == 0:
                t = array_ops.expand_dims(t, 0)
            elif t.shape.ndims != 1:
                raise ValueError("%s tensor must be either a scalar or vector, but received "
                                 "tensor: %s" % (what, t))
            parts.append(t)
        else:
            s = _as_static_shape(value)
            statics.append(s.as_list() if s.ndims is not None else None)
            parts.append(constant(s.as_list(), dtype=dtypes.int32) if s.is_fully_defined()
                         else None)
    if static:
        shape = _as_static_shape(statics[0]).concatenate(_as_static_shape(statics[1]))
        return shape.as_list() if shape.ndims is not None else None
    if parts[0] is None or parts[1] is None:
        raise ValueError("Prefix or suffix can't be None. Received prefix = %s and suffix = %s"
                         % (prefix, suffix))
    return array_ops.concat(parts, 0)


def _zero_state_tensors(state_size, batch_size, dtype):
    """Zeros of shape [batch_size] + s for every s in `state_size`, with TF's static
    shapes (the batch dimension is None when batch_size is an unknown tensor)."""
    def get_state_shape(s):
        size = array_ops.zeros(_concat(batch_size, s), dtype=dtype)
        static = _concat(batch_size, s, static=True)
        if static is not None:
            size.set_shape(static)
        return size
    return nest.map_structure(get_state_shape, state_size)


# --- checks --------------------------------------------------------------------------------------

def _check_supported_dtypes(dtype):
    if dtype is None:
        return
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError("RNN cell only supports floating point inputs, but received dtype: %s"
                         % dtype)


def _check_rnn_cell_input_dtypes(inputs):
    """Cells compute sigmoid/tanh, so inputs and states must be floating point."""
    for t in nest.flatten(inputs):
        _check_supported_dtypes(t.dtype)


def _shape_tuple(shape):
    shape = TensorShape(shape)
    return "<unknown>" if shape.ndims is None else str(tuple(shape.as_list()))


def _input_depth(input_shape):
    """The last dimension of the inputs' static shape, which sizes the kernel."""
    input_shape = TensorShape(input_shape)
    depth = input_shape[-1] if input_shape.ndims else None
    if depth is None:
        raise ValueError("Expected inputs.shape[-1] to be known, received shape: %s"
                         % _shape_tuple(input_shape))
    return depth


def _checked_state(cell, state):
    """`state` with its leaves as tensors, after checking it nests like `cell.state_size`
    and each leaf is [batch] + size."""
    state_size = cell.state_size
    try:
        nest.assert_same_structure(state_size, state, check_types=False)
    except (TypeError, ValueError):
        raise ValueError("The state given to cell %s does not match its state_size %s: got %s"
                         % (cell.name, state_size, state)) from None
    flat = [convert_to_tensor(s) for s in nest.flatten(state)]
    for size, t in zip(nest.flatten(state_size), flat):
        expected = TensorShape([None]).concatenate(_as_static_shape(size))
        if not t.shape.is_compatible_with(expected):
            raise ValueError("The state given to cell %s does not match its state_size %s: "
                             "tensor %s has shape %s, expected %s"
                             % (cell.name, state_size, t.name, t.shape, expected))
    return nest.pack_sequence_as(state, flat)


def _hasattr(obj, attr_name):
    try:
        getattr(obj, attr_name)
    except AttributeError:
        return False
    return True


def assert_like_rnncell(cell_name, cell):
    """TypeError unless `cell` has output_size, state_size, zero_state (or
    get_initial_state) and is callable: what the RNN functions and wrappers need."""
    conditions = [_hasattr(cell, "output_size"), _hasattr(cell, "state_size"),
                  _hasattr(cell, "get_initial_state") or _hasattr(cell, "zero_state"),
                  callable(cell)]
    errors = ["'output_size' property is missing", "'state_size' property is missing",
              "either 'zero_state' or 'get_initial_state' method is required",
              "is not callable"]
    if not all(conditions):
        errors = [e for e, ok in zip(errors, conditions) if not ok]
        raise TypeError("The argument {!r} ({}) is not an RNNCell: {}.".format(
            cell_name, cell, ", ".join(errors)))


# --- the protocol --------------------------------------------------------------------------------

class RNNCell(Layer):
    """Abstract RNN cell: define `state_size`, `output_size` and `call(inputs, state)`
    returning `(output, new_state)`; `cell(inputs, state, scope=None)` runs it under the
    cell's variable scope (variables created on the first call, reused afterwards).

    This definition of cell differs from the literature's: it is a horizontal array of
    units, inputs [batch, input_size] -> output [batch, output_size].
    """

    def __init__(self, trainable=True, name=None, dtype=None, **kwargs):
        super().__init__(trainable=trainable, name=name, dtype=dtype, **kwargs)
        self._is_tf_rnn_cell = True

    def __call__(self, inputs, state, scope=None):
        """Run the cell on `inputs` ([batch, input_size]) from `state`; returns
        `(output, new_state)`. `scope` (a name or VariableScope) names the cell's variable
        scope on the first call; None uses the cell's name inside the current scope."""
        if scope is not None:
            with variable_scope(scope, custom_getter=self._rnn_get_variable) as scope:
                return super().__call__(inputs, state, scope=scope)
        # TF caches the context manager; we keep the scope it was made from (see base_layer).
        outer = self.__dict__.get("_rnncell_scope")
        if outer is None:
            outer = self._rnncell_scope = get_variable_scope()
        with variable_scope(outer, custom_getter=self._rnn_get_variable):
            return super().__call__(inputs, state)

    def _rnn_get_variable(self, getter, *args, **kwargs):
        """Custom getter of the cell's scope: record every variable `call` gets."""
        variable = getter(*args, **kwargs)
        self._track_variable(variable, True)
        return variable

    def call(self, inputs, state):
        """One step: return `(output, new_state)`. Subclasses define it (or `__call__`)."""
        raise NotImplementedError("%s must define call(inputs, state) (or override __call__)"
                                  % type(self).__name__)

    @property
    def state_size(self):
        """Size(s) of the state: an int, a TensorShape, or a nested tuple of them."""
        raise NotImplementedError("Abstract method")

    @property
    def output_size(self):
        """Int or TensorShape: size of the outputs."""
        raise NotImplementedError("Abstract method")

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        """zero_state with batch size and dtype taken from `inputs` when given (checked
        against `batch_size`/`dtype` if those are given too)."""
        if inputs is not None:
            inputs = convert_to_tensor(inputs, name="inputs")
            if batch_size is not None:
                if is_tensor(batch_size):
                    static_batch_size = constant_value(convert_to_tensor(batch_size))
                else:
                    static_batch_size = batch_size
                if inputs.shape[0] != static_batch_size:
                    raise ValueError("batch size from input tensor is different from the input "
                                     "param. Input tensor batch: %s, batch_size: %s"
                                     % (inputs.shape[0], batch_size))
            if dtype is not None and inputs.dtype != dtypes.as_dtype(dtype):
                raise ValueError("dtype from input tensor is different from the input param. "
                                 "Input tensor dtype: %s, dtype: %s" % (inputs.dtype, dtype))
            batch_size = inputs.shape[0] or array_ops.shape(inputs)[0]
            dtype = inputs.dtype
        if batch_size is None or dtype is None:
            raise ValueError("batch_size and dtype cannot be None while constructing initial "
                             "state: batch_size=%s, dtype=%s" % (batch_size, dtype))
        return self.zero_state(batch_size, dtype)

    def zero_state(self, batch_size, dtype):
        """All-zeros state: [batch_size] + s for each s in state_size, nested like it.
        batch_size: a Python int or a scalar int32 tensor. Ops go under the name scope
        `<ClassName>ZeroState`."""
        state_size = self.state_size
        with name_scope(type(self).__name__ + "ZeroState"):
            return _zero_state_tensors(state_size, batch_size, dtype)


class LayerRNNCell(RNNCell):
    """An RNNCell that creates its weights in `build(input_shape)` with `add_weight`
    (the built-in cells). Calling it skips RNNCell's custom-getter scope."""

    def __call__(self, inputs, state, scope=None, *args, **kwargs):
        return Layer.__call__(self, inputs, state, *args, scope=scope, **kwargs)

    def _maybe_build(self, inputs):
        """Before building: TF's dtype and known-depth checks, naming the input tensor."""
        if not self.built and is_tensor(inputs):
            x = convert_to_tensor(inputs)
            _check_supported_dtypes(self._dtype or x.dtype)
            if x.shape.ndims is None or x.shape[-1] is None:
                raise ValueError("Expected inputs.shape[-1] to be known, received shape: %s "
                                 "(input %s of cell %s: the cell's kernel is sized by the "
                                 "input depth)" % (_shape_tuple(x.shape), x.name, self.name))
        super()._maybe_build(inputs)


# --- the cells -----------------------------------------------------------------------------------

class BasicRNNCell(LayerRNNCell):
    """output = new_state = activation(concat([inputs, state]) @ kernel + bias).

    num_units: the state and output size. activation: default tanh (a callable or a Keras
    activation name). reuse: reuse existing variables of the cell's scope. name: the
    variable scope's base name. dtype: the weights' dtype (default: the inputs').
    Variables: kernel [depth + num_units, num_units], bias [num_units] (zeros).
    """

    def __init__(self, num_units, activation=None, reuse=None, name=None, dtype=None,
                 **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        _check_supported_dtypes(self.dtype)
        self.input_spec = InputSpec(ndim=2)
        self._num_units = num_units
        self._activation = _get_activation(activation)

    @property
    def state_size(self):
        return self._num_units

    @property
    def output_size(self):
        return self._num_units

    def build(self, input_shape):
        input_depth = _input_depth(input_shape)
        _check_supported_dtypes(self.dtype)
        self._kernel = self.add_weight(_WEIGHTS_VARIABLE_NAME,
                                       shape=[input_depth + self._num_units, self._num_units])
        self._bias = self.add_weight(_BIAS_VARIABLE_NAME, shape=[self._num_units],
                                     initializer=_zeros_initializer(self.dtype))
        self.built = True

    def call(self, inputs, state):
        """Most basic RNN: output = new_state = act(W * input + U * state + B)."""
        _check_rnn_cell_input_dtypes([inputs, state])
        state = _checked_state(self, state)
        gate_inputs = math_ops.matmul(array_ops.concat([inputs, state], 1), self._kernel)
        gate_inputs = nn_ops.bias_add(gate_inputs, self._bias)
        output = self._activation(gate_inputs)
        return output, output


class GRUCell(LayerRNNCell):
    """Gated Recurrent Unit (Cho et al., 2014), TF1's formulation:

        r, u = split(sigmoid(concat([x, h]) @ gates/kernel + gates/bias), 2)
        c = activation(concat([x, r * h]) @ candidate/kernel + candidate/bias)
        new_h = u * h + (1 - u) * c

    Variables: gates/kernel [depth + n, 2n], gates/bias [2n] (default 1.0, so the gates
    start open), candidate/kernel [depth + n, n], candidate/bias [n] (default zeros).
    kernel_initializer / bias_initializer replace those defaults (both kernels / biases).
    """

    def __init__(self, num_units, activation=None, reuse=None, kernel_initializer=None,
                 bias_initializer=None, name=None, dtype=None, **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        _check_supported_dtypes(self.dtype)
        self.input_spec = InputSpec(ndim=2)
        self._num_units = num_units
        self._activation = _get_activation(activation)
        self._kernel_initializer = _get_initializer(kernel_initializer)
        self._bias_initializer = _get_initializer(bias_initializer)

    @property
    def state_size(self):
        return self._num_units

    @property
    def output_size(self):
        return self._num_units

    def build(self, input_shape):
        input_depth = _input_depth(input_shape)
        _check_supported_dtypes(self.dtype)
        n = self._num_units
        self._gate_kernel = self.add_weight("gates/%s" % _WEIGHTS_VARIABLE_NAME,
                                            shape=[input_depth + n, 2 * n],
                                            initializer=self._kernel_initializer)
        self._gate_bias = self.add_weight(
            "gates/%s" % _BIAS_VARIABLE_NAME, shape=[2 * n],
            initializer=(self._bias_initializer if self._bias_initializer is not None
                         else init_ops.constant_initializer(1.0, dtype=self.dtype or "float32")))
        self._candidate_kernel = self.add_weight("candidate/%s" % _WEIGHTS_VARIABLE_NAME,
                                                 shape=[input_depth + n, n],
                                                 initializer=self._kernel_initializer)
        self._candidate_bias = self.add_weight(
            "candidate/%s" % _BIAS_VARIABLE_NAME, shape=[n],
            initializer=(self._bias_initializer if self._bias_initializer is not None
                         else _zeros_initializer(self.dtype)))
        self.built = True

    def call(self, inputs, state):
        """Gated recurrent unit (GRU) with num_units cells."""
        _check_rnn_cell_input_dtypes([inputs, state])
        state = _checked_state(self, state)
        gate_inputs = math_ops.matmul(array_ops.concat([inputs, state], 1), self._gate_kernel)
        gate_inputs = nn_ops.bias_add(gate_inputs, self._gate_bias)
        value = math_ops.sigmoid(gate_inputs)
        r, u = array_ops.split(value=value, num_or_size_splits=2, axis=1)
        r_state = r * state
        candidate = math_ops.matmul(array_ops.concat([inputs, r_state], 1),
                                    self._candidate_kernel)
        candidate = nn_ops.bias_add(candidate, self._candidate_bias)
        c = self._activation(candidate)
        new_h = u * state + (1 - u) * c
        return new_h, new_h


_LSTMStateTuple = collections.namedtuple("LSTMStateTuple", ("c", "h"))


class LSTMStateTuple(_LSTMStateTuple):
    """(c, h): an LSTM's cell state and hidden state (= output), in that order. Used for
    state_size, zero_state and the states of LSTM cells with state_is_tuple=True."""

    __slots__ = ()

    @property
    def dtype(self):
        c, h = self
        if c.dtype != h.dtype:
            raise TypeError("Inconsistent dtypes for internal state: %s vs %s"
                            % (c.dtype, h.dtype))
        return c.dtype


class BasicLSTMCell(LayerRNNCell):
    """The basic LSTM (no peepholes, clipping or projection):

        i, j, f, o = split(concat([x, h]) @ kernel + bias, 4)
        new_c = c * sigmoid(f + forget_bias) + sigmoid(i) * activation(j)
        new_h = activation(new_c) * sigmoid(o)

    forget_bias (default 1.0) is added to the forget gate's pre-activation to forget
    less at the start of training. state_is_tuple: states are LSTMStateTuple(c, h), or
    with False one [batch, 2 * num_units] tensor concat([c, h]).
    Variables: kernel [depth + num_units, 4 * num_units], bias [4 * num_units] (zeros).
    """

    def __init__(self, num_units, forget_bias=1.0, state_is_tuple=True, activation=None,
                 reuse=None, name=None, dtype=None, **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        _check_supported_dtypes(self.dtype)
        self.input_spec = InputSpec(ndim=2)
        self._num_units = num_units
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = _get_activation(activation)

    @property
    def state_size(self):
        return (LSTMStateTuple(self._num_units, self._num_units) if self._state_is_tuple
                else 2 * self._num_units)

    @property
    def output_size(self):
        return self._num_units

    def build(self, input_shape):
        input_depth = _input_depth(input_shape)
        _check_supported_dtypes(self.dtype)
        h_depth = self._num_units
        self._kernel = self.add_weight(_WEIGHTS_VARIABLE_NAME,
                                       shape=[input_depth + h_depth, 4 * self._num_units])
        self._bias = self.add_weight(_BIAS_VARIABLE_NAME, shape=[4 * self._num_units],
                                     initializer=_zeros_initializer(self.dtype))
        self.built = True

    def call(self, inputs, state):
        """One LSTM step; returns (new_h, new_state)."""
        _check_rnn_cell_input_dtypes([inputs, state])
        state = _checked_state(self, state)
        if self._state_is_tuple:
            c, h = state
        else:
            c, h = array_ops.split(value=state, num_or_size_splits=2, axis=1)
        gate_inputs = math_ops.matmul(array_ops.concat([inputs, h], 1), self._kernel)
        gate_inputs = nn_ops.bias_add(gate_inputs, self._bias)
        # i = input_gate, j = new_input, f = forget_gate, o = output_gate
        i, j, f, o = array_ops.split(value=gate_inputs, num_or_size_splits=4, axis=1)
        forget_bias_tensor = constant(self._forget_bias, dtype=f.dtype)
        add, multiply, sigmoid = math_ops.add, math_ops.multiply, math_ops.sigmoid
        new_c = add(multiply(c, sigmoid(add(f, forget_bias_tensor))),
                    multiply(sigmoid(i), self._activation(j)))
        new_h = multiply(self._activation(new_c), sigmoid(o))
        if self._state_is_tuple:
            new_state = LSTMStateTuple(new_c, new_h)
        else:
            new_state = array_ops.concat([new_c, new_h], 1)
        return new_h, new_state


class LSTMCell(LayerRNNCell):
    """LSTM with optional peepholes (Sak et al., 2014), cell clipping and a projection:

        i, j, f, o = split(concat([x, m]) @ kernel + bias, 4)
        c = sigmoid(f + forget_bias [+ w_f_diag * c_prev]) * c_prev
            + sigmoid(i [+ w_i_diag * c_prev]) * activation(j)
        c = clip(c, -cell_clip, cell_clip)                      if cell_clip
        m = sigmoid(o [+ w_o_diag * c]) * activation(c)
        m = clip(m @ projection/kernel, -proj_clip, proj_clip)  if num_proj (clip if proj_clip)

    The output is m; the state is LSTMStateTuple(c, m) (or concat([c, m]) with
    state_is_tuple=False), so with num_proj the state is (num_units, num_proj).
    initializer: for the kernel, the peepholes and the projection (default: the scope's,
    else glorot_uniform); the bias is zeros.
    num_unit_shards / num_proj_shards: TF's deprecated partitioning. 1 names the variable
    `kernel/part_0` (`projection/kernel/part_0`) as TF's one-shard partitioner does;
    more shards are not supported (NotImplementedError).
    """

    def __init__(self, num_units, use_peepholes=False, cell_clip=None, initializer=None,
                 num_proj=None, proj_clip=None, num_unit_shards=None, num_proj_shards=None,
                 forget_bias=1.0, state_is_tuple=True, activation=None, reuse=None, name=None,
                 dtype=None, **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        _check_supported_dtypes(self.dtype)
        for arg, value in (("num_unit_shards", num_unit_shards),
                           ("num_proj_shards", num_proj_shards)):
            if value not in (None, 1):
                raise NotImplementedError(
                    "LSTMCell(%s=%r): partitioned (sharded) variables are not supported by "
                    "rnngraph; use %s=None" % (arg, value, arg))
        self.input_spec = InputSpec(ndim=2)
        self._num_units = num_units
        self._use_peepholes = use_peepholes
        self._cell_clip = cell_clip
        self._initializer = _get_initializer(initializer)
        self._num_proj = num_proj
        self._proj_clip = proj_clip
        self._num_unit_shards = num_unit_shards
        self._num_proj_shards = num_proj_shards
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = _get_activation(activation)
        if num_proj:
            self._state_size = (LSTMStateTuple(num_units, num_proj) if state_is_tuple
                                else num_units + num_proj)
            self._output_size = num_proj
        else:
            self._state_size = (LSTMStateTuple(num_units, num_units) if state_is_tuple
                                else 2 * num_units)
            self._output_size = num_units

    @property
    def state_size(self):
        return self._state_size

    @property
    def output_size(self):
        return self._output_size

    def build(self, input_shape):
        input_depth = _input_depth(input_shape)
        _check_supported_dtypes(self.dtype)
        h_depth = self._num_units if self._num_proj is None else self._num_proj
        kernel_name = _WEIGHTS_VARIABLE_NAME
        if self._num_unit_shards is not None:
            kernel_name += "/part_0"
        self._kernel = self.add_weight(kernel_name,
                                       shape=[input_depth + h_depth, 4 * self._num_units],
                                       initializer=self._initializer)
        self._bias = self.add_weight(_BIAS_VARIABLE_NAME, shape=[4 * self._num_units],
                                     initializer=_zeros_initializer(self.dtype))
        if self._use_peepholes:
            self._w_f_diag = self.add_weight("w_f_diag", shape=[self._num_units],
                                             initializer=self._initializer)
            self._w_i_diag = self.add_weight("w_i_diag", shape=[self._num_units],
                                             initializer=self._initializer)
            self._w_o_diag = self.add_weight("w_o_diag", shape=[self._num_units],
                                             initializer=self._initializer)
        if self._num_proj is not None:
            proj_name = "projection/%s" % _WEIGHTS_VARIABLE_NAME
            if self._num_proj_shards is not None:
                proj_name += "/part_0"
            self._proj_kernel = self.add_weight(proj_name,
                                                shape=[self._num_units, self._num_proj],
                                                initializer=self._initializer)
        self.built = True

    def call(self, inputs, state):
        """One LSTM step; returns (m, new_state)."""
        _check_rnn_cell_input_dtypes([inputs, state])
        state = _checked_state(self, state)
        num_proj = self._num_units if self._num_proj is None else self._num_proj
        sigmoid = math_ops.sigmoid
        if self._state_is_tuple:
            c_prev, m_prev = state
        else:
            c_prev = array_ops.slice(state, [0, 0], [-1, self._num_units])
            m_prev = array_ops.slice(state, [0, self._num_units], [-1, num_proj])
        if inputs.shape.with_rank(2)[1] is None:
            raise ValueError("Could not infer input size from inputs.get_shape()[-1]. Received "
                             "input shape: %s" % inputs.shape)
        # i = input_gate, j = new_input, f = forget_gate, o = output_gate
        lstm_matrix = math_ops.matmul(array_ops.concat([inputs, m_prev], 1), self._kernel)
        lstm_matrix = nn_ops.bias_add(lstm_matrix, self._bias)
        i, j, f, o = array_ops.split(value=lstm_matrix, num_or_size_splits=4, axis=1)
        if self._use_peepholes:
            c = (sigmoid(f + self._forget_bias + self._w_f_diag * c_prev) * c_prev
                 + sigmoid(i + self._w_i_diag * c_prev) * self._activation(j))
        else:
            c = sigmoid(f + self._forget_bias) * c_prev + sigmoid(i) * self._activation(j)
        if self._cell_clip is not None:
            c = clip_ops.clip_by_value(c, -self._cell_clip, self._cell_clip)
        if self._use_peepholes:
            m = sigmoid(o + self._w_o_diag * c) * self._activation(c)
        else:
            m = sigmoid(o) * self._activation(c)
        if self._num_proj is not None:
            m = math_ops.matmul(m, self._proj_kernel)
            if self._proj_clip is not None:
                m = clip_ops.clip_by_value(m, -self._proj_clip, self._proj_clip)
        new_state = (LSTMStateTuple(c, m) if self._state_is_tuple
                     else array_ops.concat([c, m], 1))
        return m, new_state


class MultiRNNCell(RNNCell):
    """Cells stacked in sequence: cell k's output is cell k+1's input, each run under the
    variable scope `cell_k` inside this cell's (`rnn/multi_rnn_cell/cell_0/lstm_cell/...`).

    cells: a list or tuple of cells (at least one). state_is_tuple: the state is the tuple
    of the cells' states; with False, all states (which must then be single tensors) are
    concatenated along axis 1. The same cell object twice shares its weights.
    """

    def __init__(self, cells, state_is_tuple=True):
        super().__init__()
        if not cells:
            raise ValueError("Must specify at least one cell for MultiRNNCell.")
        if not nest.is_nested(cells):
            raise TypeError("cells must be a list or tuple, but received: %s." % (cells,))
        self._cells = cells
        self._state_is_tuple = state_is_tuple
        if not state_is_tuple:
            if any(nest.is_nested(c.state_size) for c in self._cells):
                raise ValueError("Some cells return tuples of states, but the flag "
                                 "state_is_tuple is not set. State sizes are: %s"
                                 % [c.state_size for c in self._cells])

    @property
    def state_size(self):
        if self._state_is_tuple:
            return tuple(cell.state_size for cell in self._cells)
        return sum(cell.state_size for cell in self._cells)

    @property
    def output_size(self):
        return self._cells[-1].output_size

    def zero_state(self, batch_size, dtype):
        with name_scope(type(self).__name__ + "ZeroState"):
            if self._state_is_tuple:
                return tuple(cell.zero_state(batch_size, dtype) for cell in self._cells)
            return super().zero_state(batch_size, dtype)

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        weights = []
        for cell in self._cells:
            if isinstance(cell, Layer):
                weights += cell.trainable_weights
        return weights

    @property
    def non_trainable_weights(self):
        weights = []
        for cell in self._cells:
            if isinstance(cell, Layer):
                weights += cell.non_trainable_weights
        if not self.trainable:
            trainable = []
            for cell in self._cells:
                if isinstance(cell, Layer):
                    trainable += cell.trainable_weights
            return trainable + weights
        return weights

    def call(self, inputs, state):
        """Run the stacked cells on inputs, starting from state."""
        cur_state_pos = 0
        cur_inp = inputs
        new_states = []
        for i, cell in enumerate(self._cells):
            with variable_scope("cell_%d" % i):
                if self._state_is_tuple:
                    if not nest.is_nested(state):
                        raise ValueError("Expected state to be a tuple of length %d, but "
                                         "received: %s" % (len(self.state_size), state))
                    cur_state = state[i]
                else:
                    cur_state = array_ops.slice(state, [0, cur_state_pos], [-1, cell.state_size])
                    cur_state_pos += cell.state_size
                cur_inp, new_state = cell(cur_inp, cur_state)
                new_states.append(new_state)
        new_states = (tuple(new_states) if self._state_is_tuple
                      else array_ops.concat(new_states, 1))
        return cur_inp, new_states
