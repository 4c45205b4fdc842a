"""TF1's RNN cell wrappers (tf.nn.rnn_cell.DropoutWrapper, ResidualWrapper, DeviceWrapper):
cells that run another cell and change its inputs, outputs or state.

A wrapper is an RNNCell with the wrapped cell's state_size and output_size, but calling it
calls the wrapped cell's `__call__` directly (with the same `scope`), without a variable
scope of its own: wrapping a cell does not change its variables' names
(`rnn/lstm_cell/kernel` with or without a DropoutWrapper), exactly as in TF1.

Departure: a wrapper's `trainable_weights` / `variables` are the wrapped cell's. In TF
they are empty lists (Keras' sub-layer tracking is bypassed for legacy layers), which no
program can usefully rely on.
"""
import hashlib
import numbers

from ..framework import nest
from ..framework.constant_folding import constant_value
from ..framework.graph import name_scope
from ..framework.tensor_shape import TensorShape
from . import math_ops, nn_ops, random_ops
from .rnn_cell_impl import LSTMStateTuple, RNNCell, assert_like_rnncell
from .tensor_conversion import convert_to_tensor

__all__ = ["DropoutWrapper", "ResidualWrapper", "DeviceWrapper"]


def _enumerated_map_structure_up_to(shallow_structure, map_fn, *args):
    """map_structure_up_to, passing each leaf's index (depth-first) as the first argument."""
    ix = [0]

    def enumerated_fn(*inner_args):
        r = map_fn(ix[0], *inner_args)
        ix[0] += 1
        return r
    return nest.map_structure_up_to(shallow_structure, enumerated_fn, *args)


def _sequence_like(instance, args):
    """A container of `instance`'s type holding `args` (namedtuples, tuples, lists, dicts)."""
    if isinstance(instance, dict):
        keys = sorted(instance)
        result = dict(zip(keys, args))
        return type(instance)((k, result[k]) for k in instance)
    if isinstance(instance, tuple) and hasattr(type(instance), "_fields"):
        return type(instance)(*args)
    if isinstance(instance, tuple):
        return tuple(args)
    return list(args)


def _children(structure):
    if isinstance(structure, dict):
        return [structure[k] for k in sorted(structure)]
    return list(structure)


def get_traverse_shallow_structure(traverse_fn, structure):
    """TF's nest.get_traverse_shallow_structure: a structure of bools, as deep as
    `traverse_fn` says, marking which parts of `structure` to visit. traverse_fn(sub) returns
    True (go into every child), False (skip the whole part), or for a nested part a
    depth-one structure of bools like it (go into the True children only)."""
    to_traverse = traverse_fn(structure)
    if not nest.is_nested(structure):
        if not isinstance(to_traverse, bool):
            raise TypeError("traverse_fn returned structure: %s for non-structure: %s"
                            % (to_traverse, structure))
        return to_traverse
    level_traverse = []
    if isinstance(to_traverse, bool):
        if not to_traverse:
            return False
        for branch in _children(structure):
            level_traverse.append(get_traverse_shallow_structure(traverse_fn, branch))
    elif not nest.is_nested(to_traverse):
        raise TypeError("traverse_fn returned a non-bool scalar: %s for input: %s"
                        % (to_traverse, structure))
    else:
        if len(_children(to_traverse)) != len(_children(structure)):
            raise ValueError("traverse_fn returned %s, which does not match the structure %s"
                             % (to_traverse, structure))
        for t, branch in zip(_children(to_traverse), _children(structure)):
            if not isinstance(t, bool):
                raise TypeError("traverse_fn didn't return a depth=1 structure of bools.  saw: "
                                "%s  for structure: %s" % (to_traverse, structure))
            level_traverse.append(get_traverse_shallow_structure(traverse_fn, branch)
                                  if t else False)
    return _sequence_like(structure, level_traverse)


def _default_dropout_state_filter_visitor(substate):
    """Drop out every part of the state except LSTM memory (`c`) and TensorArrays."""
    if isinstance(substate, LSTMStateTuple):
        return LSTMStateTuple(c=False, h=True)
    if type(substate).__name__ == "TensorArray":
        return False
    return True


class _RNNCellWrapperV1(RNNCell):
    """Base of the wrappers: holds `cell`, forwards state_size/output_size/zero_state, and
    `__call__` runs `_call_wrapped_cell` with the wrapped cell's `__call__`."""

    def __init__(self, cell, *args, **kwargs):
        super().__init__(*args, **kwargs)
        assert_like_rnncell("cell", cell)
        self.cell = cell

    def _call_wrapped_cell(self, inputs, state, cell_call_fn, **kwargs):
        raise NotImplementedError("%s must define _call_wrapped_cell (an abstract wrapper)"
                                  % type(self).__name__)

    def __call__(self, inputs, state, scope=None):
        """Run the wrapped cell (its own variable scope, or `scope`) with the wrapping."""
        return self._call_wrapped_cell(inputs, state, cell_call_fn=self.cell.__call__,
                                       scope=scope)

    @property
    def state_size(self):
        return self.cell.state_size

    @property
    def output_size(self):
        return self.cell.output_size

    def zero_state(self, batch_size, dtype):
        with name_scope(type(self).__name__ + "ZeroState"):
            return self.cell.zero_state(batch_size, dtype)

    @property
    def trainable_weights(self):
        return list(getattr(self.cell, "trainable_weights", [])) if self.trainable else []

    @property
    def non_trainable_weights(self):
        weights = list(getattr(self.cell, "non_trainable_weights", []))
        if not self.trainable:
            return list(getattr(self.cell, "trainable_weights", [])) + weights
        return weights


class DropoutWrapper(_RNNCellWrapperV1):
    """Dropout on the inputs, outputs and/or new states of `cell`.

    input_keep_prob, output_keep_prob, state_keep_prob: floats in [0, 1] or scalar
      tensors; a constant 1 adds no ops. State dropout applies to the parts of the new
      state selected by `dropout_state_filter_visitor` (default: all but the `c` of
      LSTMStateTuples).
    variational_recurrent: use one dropout mask for every step (Gal & Ghahramani, 2016):
      the noise is drawn once, here in the constructor, with shape [1, size] (shared by
      the batch too), and each step keeps `floor(keep_prob + noise)`. Needs `dtype`, and
      `input_size` (the input depth, or a nested structure of depths) when inputs are
      dropped.
    seed: the op seed of each dropout is derived from it and the position ("input_0",
      "state_1", ...) by TF's md5 rule, so masks differ across positions.
    Without variational_recurrent each call draws fresh masks (tf.nn.dropout).
    """

    def __init__(self, cell, input_keep_prob=1.0, output_keep_prob=1.0, state_keep_prob=1.0,
                 variational_recurrent=False, input_size=None, dtype=None, seed=None,
                 dropout_state_filter_visitor=None, **kwargs):
        super().__init__(cell, dtype=dtype, **kwargs)
        if dropout_state_filter_visitor is not None and not callable(
                dropout_state_filter_visitor):
            raise TypeError("dropout_state_filter_visitor must be callable. Received: %s"
                            % (dropout_state_filter_visitor,))
        self._dropout_state_filter = (dropout_state_filter_visitor
                                      or _default_dropout_state_filter_visitor)
        with name_scope("DropoutWrapperInit"):
            for prob, attr in [(input_keep_prob, "input_keep_prob"),
                               (state_keep_prob, "state_keep_prob"),
                               (output_keep_prob, "output_keep_prob")]:
                tensor_prob = convert_to_tensor(prob)
                const_prob = constant_value(tensor_prob)
                if const_prob is not None:
                    if const_prob < 0 or const_prob > 1:
                        raise ValueError("Parameter %s must be between 0 and 1. Received %s"
                                         % (attr, const_prob))
                    setattr(self, "_%s" % attr, float(const_prob))
                else:
                    setattr(self, "_%s" % attr, tensor_prob)

        self._variational_recurrent = variational_recurrent
        self._input_size = input_size
        self._seed = seed
        self._recurrent_input_noise = None
        self._recurrent_state_noise = None
        self._recurrent_output_noise = None

        if variational_recurrent:
            if dtype is None:
                raise ValueError("When variational_recurrent=True, dtype must be provided")

            def batch_noise(s, inner_seed):
                # A leading 1: the same mask for every batch element and every step.
                shape = [1] + TensorShape(s).as_list()
                return random_ops.random_uniform(shape, seed=inner_seed, dtype=dtype)

            if (not isinstance(self._input_keep_prob, numbers.Real)
                    or self._input_keep_prob < 1.0):
                if input_size is None:
                    raise ValueError("When variational_recurrent=True and input_keep_prob < 1.0 "
                                     "or is unknown, input_size must be provided")
                self._recurrent_input_noise = _enumerated_map_structure_up_to(
                    input_size, lambda i, s: batch_noise(s, self._gen_seed("input", i)),
                    input_size)
            self._recurrent_state_noise = _enumerated_map_structure_up_to(
                cell.state_size, lambda i, s: batch_noise(s, self._gen_seed("state", i)),
                cell.state_size)
            self._recurrent_output_noise = _enumerated_map_structure_up_to(
                cell.output_size, lambda i, s: batch_noise(s, self._gen_seed("output", i)),
                cell.output_size)

    def _gen_seed(self, salt_prefix, index):
        """TF's per-position op seed: md5(str(seed) + '<prefix>_<index>'), 31 bits."""
        if self._seed is None:
            return None
        salt = "%s_%d" % (salt_prefix, index)
        string = (str(self._seed) + salt).encode("utf-8")
        return int(hashlib.md5(string).hexdigest()[:8], 16) & 0x7FFFFFFF

    @property
    def wrapped_cell(self):
        return self.cell

    def build(self, input_shape):
        self.cell.build(input_shape)
        self.built = True

    def _variational_recurrent_dropout_value(self, unused_index, value, noise, keep_prob):
        """Dropout with pre-drawn noise: keep where keep_prob + noise >= 1, scale by
        1 / keep_prob."""
        random_tensor = keep_prob + noise  # uniform [keep_prob, 1 + keep_prob)
        binary_tensor = math_ops.floor(random_tensor)
        ret = math_ops.divide(value, keep_prob) * binary_tensor
        ret.set_shape(value.get_shape())
        return ret

    def _dropout(self, values, salt_prefix, recurrent_noise, keep_prob,
                 shallow_filtered_substructure=None):
        """Dropout on every leaf of `values` that the filter structure marks (all if none):
        standard, or variational with the pre-drawn noise."""
        if shallow_filtered_substructure is None:
            shallow_filtered_substructure = values
        if not self._variational_recurrent:
            def dropout(i, do_dropout, v):
                if not isinstance(do_dropout, bool) or do_dropout:
                    return nn_ops.dropout(v, rate=1.0 - keep_prob,
                                          seed=self._gen_seed(salt_prefix, i))
                return v
            return _enumerated_map_structure_up_to(shallow_filtered_substructure, dropout,
                                                   shallow_filtered_substructure, values)

        def dropout(i, do_dropout, v, n):
            if not isinstance(do_dropout, bool) or do_dropout:
                return self._variational_recurrent_dropout_value(i, v, n, keep_prob)
            return v
        return _enumerated_map_structure_up_to(shallow_filtered_substructure, dropout,
                                               shallow_filtered_substructure, values,
                                               recurrent_noise)

    def _call_wrapped_cell(self, inputs, state, cell_call_fn, **kwargs):
        """Input dropout, the wrapped cell, then state and output dropout."""
        def _should_dropout(p):
            return (not isinstance(p, float)) or p < 1

        if _should_dropout(self._input_keep_prob):
            inputs = self._dropout(inputs, "input", self._recurrent_input_noise,
                                   self._input_keep_prob)
        output, new_state = cell_call_fn(inputs, state, **kwargs)
        if _should_dropout(self._state_keep_prob):
            shallow_filtered_substructure = get_traverse_shallow_structure(
                self._dropout_state_filter, new_state)
            new_state = self._dropout(new_state, "state", self._recurrent_state_noise,
                                      self._state_keep_prob, shallow_filtered_substructure)
        if _should_dropout(self._output_keep_prob):
            output = self._dropout(output, "output", self._recurrent_output_noise,
                                   self._output_keep_prob)
        return output, new_state


class ResidualWrapper(_RNNCellWrapperV1):
    """The wrapped cell's output plus its input (a residual connection); the state is the
    cell's. residual_fn(inputs, outputs) replaces the addition (default: elementwise
    `inputs + outputs` over matching structures and shapes)."""

    def __init__(self, cell, residual_fn=None, **kwargs):
        super().__init__(cell, **kwargs)
        self._residual_fn = residual_fn

    def _call_wrapped_cell(self, inputs, state, cell_call_fn, **kwargs):
        outputs, new_state = cell_call_fn(inputs, state, **kwargs)

        def assert_shape_match(inp, out):
            if not inp.get_shape().is_compatible_with(out.get_shape()):
                raise ValueError("ResidualWrapper: the cell's input %s (shape %s) and output %s "
                                 "(shape %s) must have compatible shapes to be added"
                                 % (inp.name, inp.get_shape(), out.name, out.get_shape()))

        def default_residual_fn(inputs, outputs):
            nest.assert_same_structure(inputs, outputs)
            nest.map_structure(assert_shape_match, inputs, outputs)
            return nest.map_structure(lambda inp, out: inp + out, inputs, outputs)

        res_outputs = (self._residual_fn or default_residual_fn)(inputs, outputs)
        return res_outputs, new_state


class DeviceWrapper(_RNNCellWrapperV1):
    """Runs the cell on `device` in TF. rnngraph places nothing, so the device is kept
    (`.device`) but ignored: the cell runs as if unwrapped."""

    def __init__(self, cell, device, **kwargs):
        super().__init__(cell, **kwargs)
        self._device = device

    @property
    def device(self):
        return self._device

    def zero_state(self, batch_size, dtype):
        with name_scope(type(self).__name__ + "ZeroState"):
            return self.cell.zero_state(batch_size, dtype)

    def _call_wrapped_cell(self, inputs, state, cell_call_fn, **kwargs):
        return cell_call_fn(inputs, state, **kwargs)
