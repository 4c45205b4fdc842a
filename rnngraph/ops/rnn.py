"""TF1's RNN drivers: tf.nn.dynamic_rnn, bidirectional_dynamic_rnn, raw_rnn, static_rnn,
static_bidirectional_rnn, and tf.contrib.rnn's stack_bidirectional_dynamic_rnn.

A port of tensorflow/python/ops/rnn.py (graph mode) and of TF 1.15's
tensorflow/contrib/rnn/python/ops/rnn.py, with TF's structure kept function by function:

- dynamic_rnn transposes batch-major inputs to time-major (`_transpose_batch_time`),
  builds the initial state (`initial_state`, else `cell.get_initial_state` /
  `cell.zero_state` with `dtype`), and `_dynamic_rnn_loop` runs one tf.while_loop over
  time: inputs are unstacked into TensorArrays, each step reads them, calls the cell and
  writes the output TensorArrays, which are stacked (and given the static
  [time, batch, ...] shape) afterwards. The loop stops at min(max_time,
  max(1, max(sequence_length))) and is capped by maximum_iterations=max_time.
- With sequence_length, `_rnn_step` copies the state through and emits zeros for the batch
  entries whose sequence has ended (`time >= sequence_length[b]`), with `where`; dynamic_rnn
  does this at every step (skip_conditionals), static_rnn inside TF's two conds (all done:
  copy everything; all running: no select).
- raw_rnn follows TF's loop_fn protocol exactly (see its docstring).
- static_rnn unrolls in Python, reusing the variable scope after the first step.
- bidirectional variants run the backward cell on inputs reversed per sequence
  (reverse_sequence with sequence_length, a plain reverse without) and reverse its
  outputs back.

Variable scopes are TF's: "rnn", "bidirectional_rnn/fw", "bidirectional_rnn/bw",
"stack_bidirectional_rnn/cell_%d/bidirectional_rnn/{fw,bw}"; the cell's own scope
(e.g. "basic_rnn_cell") is nested inside.

Checks beyond TF's (TF is silent or fails later with an unrelated message):
- sequence_length is checked at run time: besides TF's shape check ([batch_size]) every
  value must be in [0, max_time]; a violation is an InvalidArgumentError naming
  sequence_length and the first bad entry (an Assert gating sequence_length).
- build time: inputs of the wrong rank name the input tensor; a cell output that does not
  match cell.output_size, an initial_state that does not match cell.state_size (structure
  or shape), and a new state that does not match the state it came from raise errors
  naming the tensors (ValueError; TypeError where TF1 raises one: a nest of a different
  type, a single tensor for a tuple state). static_rnn checks a cell's outputs and states
  only with sequence_length, as TF1 lets them change between steps otherwise.

Departure from TF1: bidirectional_dynamic_rnn reverses each backward output tensor
(nest.map_structure); TF1 reverses the whole output nest with one call, which packs a
tuple into one tensor (an error, or a single wrong tensor for a cell with tuple outputs).
"""
from ..framework import dtypes, nest
from ..framework.constant_folding import constant_value
from ..framework.func_graph import FuncGraph
from ..framework.graph import Tensor, control_dependencies, get_default_graph, name_scope
from ..framework.tensor_shape import TensorShape, as_shape, dimension_value, unknown_shape
from . import array_ops, control_flow_ops, math_ops
from . import variable_scope as vs
from .cond import cond as _cond
from .rnn_cell_impl import _concat, assert_like_rnncell
from .tensor_array_ops import TensorArray
from .tensor_conversion import constant, convert_to_tensor, is_tensor
from .while_loop import while_loop

__all__ = [
    "dynamic_rnn", "bidirectional_dynamic_rnn", "raw_rnn", "static_rnn",
    "static_bidirectional_rnn", "stack_bidirectional_dynamic_rnn",
]


def _static_shape(value):
    """TensorShape(value) where value is None, a list, or a folded NumPy scalar/vector."""
    if value is None:
        return unknown_shape()
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, list):
        return TensorShape([None if v is None or v < 0 else int(v) for v in value])
    return TensorShape([int(value)])


# --- TF's rnn.py internals ---------------------------------------------------------------------

def _transpose_batch_time(x):
    """x with its first two axes swapped (rank < 2: x itself), keeping static shapes."""
    x_static_shape = x.shape
    if x_static_shape.ndims is not None and x_static_shape.ndims < 2:
        return x
    if x_static_shape.ndims is None:
        # TF builds a run-time permutation; rnngraph's Transpose needs a static one. Inputs
        # of unknown rank fail TF's next check anyway ("Input size ... must be accessible").
        raise ValueError("Input size (depth of inputs) must be accessible via shape inference,"
                         " but saw value None for input=%s (its rank is unknown)." % x.name)
    x_t = array_ops.transpose(x, [1, 0] + list(range(2, x_static_shape.ndims)))
    x_t.set_shape(TensorShape([x_static_shape[1], x_static_shape[0]]).concatenate(
        x_static_shape[2:]))
    return x_t


def _best_effort_input_batch_size(flat_input):
    """The static batch size (axis 1 of time-major inputs) if any input knows it, else the
    dynamic batch size of the first input."""
    for input_ in flat_input:
        shape = input_.shape
        if shape.ndims is None:
            continue
        if shape.ndims < 2:
            raise ValueError("Expected input tensor %s to have rank at least 2" % input_)
        batch_size = shape[1]
        if batch_size is not None:
            return batch_size
    return array_ops.shape(flat_input[0])[1]


def _infer_state_dtype(explicit_dtype, state):
    """`explicit_dtype`, else the one dtype of every tensor of `state`."""
    if explicit_dtype is not None:
        return explicit_dtype
    if nest.is_sequence(state):
        inferred_dtypes = [element.dtype for element in nest.flatten(state)]
        if not inferred_dtypes:
            raise ValueError("Unable to infer dtype from empty state.")
        all_same = all(x == inferred_dtypes[0] for x in inferred_dtypes)
        if not all_same:
            raise ValueError(
                "State has tensors of different inferred_dtypes. Unable to infer a single "
                "representative dtype.")
        return inferred_dtypes[0]
    return state.dtype


def _maybe_tensor_shape_from_tensor(shape):
    if isinstance(shape, Tensor):
        return as_shape(_static_shape(constant_value(shape)))
    return shape


def _should_cache():
    """TF sets a caching device on the RNN's variable scope unless inside a while loop."""
    return not isinstance(get_default_graph(), FuncGraph)


def _rnn_step(time, sequence_length, min_sequence_length, max_sequence_length, zero_output,
              state, call_cell, state_size, skip_conditionals=False):
    """One step of an RNN minibatch with sequence lengths (TF's pseudocode):

        if t >= max_sequence_length: return (zero_output, state)
        if t < min_sequence_length: return call_cell()
        new_output, new_state = call_cell()
        row r: zero_output/state[r] if t >= sequence_length[r] else new_output/new_state[r]

    With skip_conditionals the select is done at every step (no conds)."""
    flat_state = nest.flatten(state)
    flat_zero_output = nest.flatten(zero_output)

    # Vector describing which batch entries are finished.
    copy_cond = time >= sequence_length

    def _copy_one_through(output, new_output):
        # TensorArray and scalar get passed through.
        if isinstance(output, TensorArray):
            return new_output
        if output.shape.ndims == 0:
            return new_output
        # Otherwise propagate the old or the new value.
        return array_ops.where(copy_cond, output, new_output)

    def _copy_some_through(flat_new_output, flat_new_state):
        flat_new_output = [_copy_one_through(zero_output_, new_output)
                           for zero_output_, new_output in zip(flat_zero_output, flat_new_output)]
        flat_new_state = [_copy_one_through(state_, new_state)
                          for state_, new_state in zip(flat_state, flat_new_state)]
        return flat_new_output + flat_new_state

    def _maybe_copy_some_through():
        """Run RNN step. Pass through either no or some past state."""
        new_output, new_state = call_cell()
        nest.assert_same_structure(zero_output, new_output)
        nest.assert_same_structure(state, new_state)
        flat_new_state = nest.flatten(new_state)
        flat_new_output = nest.flatten(new_output)
        return _cond(
            # if t < min_seq_len: calculate and return everything
            time < min_sequence_length,
            lambda: flat_new_output + flat_new_state,
            # else copy some of it through
            lambda: _copy_some_through(flat_new_output, flat_new_state))

    if skip_conditionals:
        # Instead of using conditionals, perform the selective copy at all time steps.
        new_output, new_state = call_cell()
        nest.assert_same_structure(zero_output, new_output)
        nest.assert_same_structure(state, new_state)
        new_state = nest.flatten(new_state)
        new_output = nest.flatten(new_output)
        final_output_and_state = _copy_some_through(new_output, new_state)
    else:
        def empty_update():
            return flat_zero_output + flat_state
        final_output_and_state = _cond(
            # if t >= max_seq_len: copy all state through, output zeros
            time >= max_sequence_length, empty_update,
            # otherwise calculation is required: copy some or all of it through
            _maybe_copy_some_through)

    if len(final_output_and_state) != len(flat_zero_output) + len(flat_state):
        raise ValueError("Internal error: state and output were not concatenated correctly.")
    final_output = final_output_and_state[:len(flat_zero_output)]
    final_state = final_output_and_state[len(flat_zero_output):]

    for output, flat_output in zip(final_output, flat_zero_output):
        output.set_shape(flat_output.shape)
    for substate, flat_substate in zip(final_state, flat_state):
        if not isinstance(substate, TensorArray):
            substate.set_shape(flat_substate.shape)

    final_output = nest.pack_sequence_as(structure=zero_output, flat_sequence=final_output)
    final_state = nest.pack_sequence_as(structure=state, flat_sequence=final_state)
    return final_output, final_state


def _reverse_seq(input_seq, lengths):
    """Reverse a list of (nests of) [batch, ...] tensors, per sequence up to `lengths`
    (a [batch] vector), or entirely when lengths is None."""
    if lengths is None:
        return list(reversed(input_seq))

    flat_input_seq = tuple(nest.flatten(input_) for input_ in input_seq)

    flat_results = [[] for _ in range(len(input_seq))]
    for sequence in zip(*flat_input_seq):
        input_shape = unknown_shape(rank=sequence[0].shape.ndims)
        for input_ in sequence:
            input_shape.assert_is_compatible_with(input_.shape)
            input_.set_shape(input_shape)

        # Join into (time, batch_size, depth)
        s_joined = array_ops.stack(sequence)

        # Reverse along dimension 0
        s_reversed = array_ops.reverse_sequence(s_joined, lengths, 0, 1)
        # Split again into list
        result = array_ops.unstack(s_reversed)
        for r, flat_result in zip(result, flat_results):
            r.set_shape(input_shape)
            flat_result.append(r)

    return [nest.pack_sequence_as(structure=input_, flat_sequence=flat_result)
            for input_, flat_result in zip(input_seq, flat_results)]


# --- checks rnngraph adds ----------------------------------------------------------------------

def _shape_of_size(size):
    """The per-example shape described by one entry of output_size/state_size."""
    return as_shape(_maybe_tensor_shape_from_tensor(size))


def _expected_shape(batch_size, size):
    batch = batch_size if isinstance(batch_size, int) else None
    return TensorShape([batch]).concatenate(_shape_of_size(size))


def _check_inputs_rank(fn_name, flat_input, rank):
    for input_ in flat_input:
        ndims = input_.shape.ndims
        if ndims is not None and ndims < rank:
            raise ValueError(
                "%s: Expected inputs to be rank >= %d, but input tensor %s has shape %s "
                "(Shape %s must have rank at least %d)" % (
                    fn_name, rank, input_.name, input_.shape, input_.shape, rank))


def _check_cell_output(fn_name, cell, output, batch_size):
    """The cell's output must have cell.output_size's structure and shapes."""
    output_size = cell.output_size
    try:
        nest.assert_same_structure(output_size, output, check_types=False)
    except (ValueError, TypeError):
        raise ValueError(
            "%s: the output of cell %s does not have the structure of cell.output_size: the cell "
            "returned %s, but its output_size is %s"
            % (fn_name, cell, output, output_size)) from None
    for out, size in zip(nest.flatten(output), nest.flatten(output_size)):
        if not is_tensor(out):
            continue
        out = convert_to_tensor(out)
        expected = _expected_shape(batch_size, size)
        if not out.shape.is_compatible_with(expected):
            raise ValueError(
                "%s: cell output %s has shape %s, which does not match cell.output_size %s of "
                "cell %s (expected shape %s, batch size first)"
                % (fn_name, out.name, out.shape, output_size, cell, expected))


def _check_initial_state(fn_name, cell, state, batch_size, what="initial_state"):
    """A given initial state must have cell.state_size's structure and shapes."""
    state_size = cell.state_size
    try:
        nest.assert_same_structure(state_size, state, check_types=False)
    except (ValueError, TypeError):
        # A single tensor where the cell wants a tuple is TF1's TypeError (the cell iterates
        # over the tensor); other mismatches are ValueErrors.
        error = TypeError if nest.is_sequence(state_size) and is_tensor(state) else ValueError
        raise error(
            "%s: %s does not have the structure of cell.state_size of cell %s: got %s, but "
            "state_size is %s" % (fn_name, what, cell, state, state_size)) from None
    for st, size in zip(nest.flatten(state), nest.flatten(state_size)):
        if not is_tensor(st):
            continue
        st = convert_to_tensor(st)
        expected = _expected_shape(batch_size, size)
        if not st.shape.is_compatible_with(expected):
            raise ValueError(
                "%s: %s tensor %s has shape %s, which does not match cell.state_size %s of cell "
                "%s (expected shape %s, batch size first)"
                % (fn_name, what, st.name, st.shape, state_size, cell, expected))


def _check_new_state(fn_name, cell, flat_outer_state, state, new_state):
    """The state the cell returns must fit the state it was given."""
    try:
        nest.assert_same_structure(state, new_state)
    except (ValueError, TypeError) as e:
        raise type(e)("%s: the state returned by cell %s does not have the structure of the "
                      "state it was given: %s" % (fn_name, cell, e)) from None
    for outer, old, new in zip(flat_outer_state, nest.flatten(state), nest.flatten(new_state)):
        if isinstance(old, TensorArray) or not is_tensor(old) or not is_tensor(new):
            continue
        new = convert_to_tensor(new)
        if not new.shape.is_compatible_with(old.shape):
            raise ValueError(
                "%s: cell %s returned a new state %s of shape %s for the state %s of shape %s "
                "(check the initial state and cell.state_size %s)"
                % (fn_name, cell, new.name, new.shape,
                   outer.name if is_tensor(outer) else outer, old.shape, cell.state_size))


def _checked_sequence_length(fn_name, sequence_length, batch_size, max_time,
                             name="CheckSeqLen"):
    """`sequence_length` (int32 vector) through an Identity `name` that runs only after TF's
    shape check (it must be [batch_size]) and rnngraph's range check (0 <= value <=
    max_time)."""
    static_length = sequence_length.shape[0] if sequence_length.shape.ndims == 1 else None
    if isinstance(batch_size, int) and static_length is not None and static_length != batch_size:
        # TF1 fails here too, at build time, in the Select of the copy-through.
        raise ValueError("%s: sequence_length must be a vector of length batch_size = %d, but "
                         "sequence_length %s has shape %s" % (
                             fn_name, batch_size, sequence_length.name, sequence_length.shape))
    with name_scope(None, name, [sequence_length]) as scope:
        x_shape = array_ops.shape(sequence_length)
        packed_shape = array_ops.stack([batch_size])
        shape_check = control_flow_ops.Assert(
            math_ops.reduce_all(math_ops.equal(x_shape, packed_shape)),
            ["Expected shape for Tensor %s is " % sequence_length.name, packed_shape,
             " but saw shape: ", x_shape, "sequence_length =", sequence_length], summarize=20)
        max_time = convert_to_tensor(max_time, dtype=dtypes.int32)
        flat = array_ops.reshape(sequence_length, [-1])
        bad = math_ops.logical_or(flat < 0, flat > max_time)
        # The first bad entry (a padding entry keeps this defined for an empty batch).
        first_bad = math_ops.argmax(
            math_ops.cast(array_ops.concat([bad, constant([False])], 0), dtypes.int32),
            output_type=dtypes.int32)
        bad_value = array_ops.gather(array_ops.concat([flat, constant([0])], 0), first_bad)
        range_check = control_flow_ops.Assert(
            math_ops.logical_and(math_ops.equal(array_ops.rank(sequence_length), 1),
                                 math_ops.logical_not(math_ops.reduce_any(bad))),
            ["%s: sequence_length must be a vector with every value in [0, max_time]; first "
             "bad entry: sequence_length[i] =" % fn_name, bad_value, "at i =", first_bad,
             "max_time =", max_time,
             "sequence_length (tensor %s) =" % sequence_length.name, sequence_length],
            summarize=20)
        with control_dependencies([shape_check, range_check]):
            return array_ops.identity(sequence_length, name=scope)


# --- dynamic_rnn ---------------------------------------------------------------------------------

def dynamic_rnn(cell, inputs, sequence_length=None, initial_state=None, dtype=None,
                parallel_iterations=None, swap_memory=False, time_major=False, scope=None):
    """Run `cell` over `inputs` with a tf.while_loop (TF1's tf.nn.dynamic_rnn).

    inputs: [batch_size, max_time, ...] (time_major: [max_time, batch_size, ...]), or a
      nest of such tensors (the cell then gets the same nest of [batch_size, ...] slices).
    sequence_length: optional int32/int64 [batch_size] vector; past an entry's length its
      output is zero and its state is copied through (so the final state is the state at
      its last valid step). Values outside [0, max_time] are a run-time error.
    initial_state: the initial state (structure of cell.state_size); else `dtype` is
      required and the cell's zero state is used.
    parallel_iterations (default 32), swap_memory: passed to tf.while_loop.
    scope: variable scope, default "rnn".

    Returns (outputs, state): outputs [batch_size, max_time, cell.output_size] (time_major:
    time first), a nest like cell.output_size; state the final state.
    """
    assert_like_rnncell("cell", cell)

    with vs.variable_scope(scope or "rnn") as varscope:
        # Create a new scope in which the caching device is either determined by the parent
        # scope, or is set to place the cached Variable using the same placement as for the
        # rest of the RNN.
        if _should_cache():
            if varscope.caching_device is None:
                varscope.set_caching_device(lambda op: op.device)

        # By default, time_major==False and inputs are batch-major: shaped
        #   [batch, time, depth]
        # For internal calculations, we transpose to [time, batch, depth]
        flat_input = nest.flatten(inputs)
        if not flat_input or any(input_ is None for input_ in flat_input):
            raise ValueError("dynamic_rnn: inputs must not be None or empty, got %r" % (inputs,))
        flat_input = [convert_to_tensor(input_) for input_ in flat_input]
        _check_inputs_rank("dynamic_rnn", flat_input, 3)

        if not time_major:
            # (B,T,D) => (T,B,D)
            flat_input = tuple(_transpose_batch_time(input_) for input_ in flat_input)

        parallel_iterations = parallel_iterations or 32
        if sequence_length is not None:
            sequence_length = math_ops.cast(sequence_length, dtypes.int32)
            if sequence_length.shape.ndims not in (None, 1):
                raise ValueError(
                    "sequence_length must be a vector of length batch_size, but saw shape: %s"
                    % sequence_length.shape)
            sequence_length = array_ops.identity(  # Just to find it in the graph.
                sequence_length, name="sequence_length")

        batch_size = _best_effort_input_batch_size(flat_input)

        if initial_state is not None:
            state = initial_state
            _check_initial_state("dynamic_rnn", cell, state, batch_size)
        else:
            if not dtype:
                raise ValueError("If there is no initial_state, you must give a dtype.")
            if getattr(cell, "get_initial_state", None) is not None:
                state = cell.get_initial_state(inputs=None, batch_size=batch_size, dtype=dtype)
            else:
                state = cell.zero_state(batch_size, dtype)

        if sequence_length is not None:
            # Perform some shape validation (TF), and the range check (rnngraph).
            max_time = array_ops.shape(flat_input[0])[0]
            sequence_length = _checked_sequence_length("dynamic_rnn", sequence_length,
                                                       batch_size, max_time)

        inputs = nest.pack_sequence_as(structure=inputs, flat_sequence=flat_input)

        (outputs, final_state) = _dynamic_rnn_loop(
            cell, inputs, state, parallel_iterations=parallel_iterations,
            swap_memory=swap_memory, sequence_length=sequence_length, dtype=dtype)

        # Outputs of _dynamic_rnn_loop are always shaped [time, batch, depth].
        # If we are performing batch-major calculations, transpose output back
        # to shape [batch, time, depth]
        if not time_major:
            # (T,B,D) => (B,T,D)
            outputs = nest.map_structure(_transpose_batch_time, outputs)

        return (outputs, final_state)


def _dynamic_rnn_loop(cell, inputs, initial_state, parallel_iterations, swap_memory,
                      sequence_length=None, dtype=None):
    """The while loop of dynamic_rnn over time-major `inputs`; returns (outputs, state)
    with outputs [time, batch, ...] in the structure of cell.output_size."""
    state = initial_state
    assert isinstance(parallel_iterations, int), "parallel_iterations must be int"

    state_size = cell.state_size

    flat_input = nest.flatten(inputs)
    flat_output_size = nest.flatten(cell.output_size)

    # Construct an initial output
    input_shape = array_ops.shape(flat_input[0])
    time_steps = input_shape[0]
    batch_size = _best_effort_input_batch_size(flat_input)

    inputs_got_shape = tuple(input_.shape.with_rank_at_least(3) for input_ in flat_input)

    const_time_steps, const_batch_size = inputs_got_shape[0].as_list()[:2]

    for input_, shape in zip(flat_input, inputs_got_shape):
        if not shape[2:].is_fully_defined():
            raise ValueError(
                "Input size (depth of inputs) must be accessible via shape inference,"
                " but saw value None for input=%s (shape %s)." % (input_.name, shape))
        got_time_steps = shape[0]
        got_batch_size = shape[1]
        if const_time_steps != got_time_steps:
            raise ValueError(
                "Time steps is not the same for all the elements in the input in a batch: "
                "input %s has %s time steps, input %s has %s."
                % (flat_input[0].name, const_time_steps, input_.name, got_time_steps))
        if const_batch_size != got_batch_size:
            raise ValueError(
                "Batch_size is not the same for all the elements in the input: input %s has "
                "batch size %s, input %s has %s."
                % (flat_input[0].name, const_batch_size, input_.name, got_batch_size))

    # Prepare dynamic conditional copying of state & output
    def _create_zero_arrays(size):
        size = _concat(batch_size, size)
        return array_ops.zeros(size, _infer_state_dtype(dtype, state))

    flat_zero_output = tuple(_create_zero_arrays(output) for output in flat_output_size)
    zero_output = nest.pack_sequence_as(structure=cell.output_size,
                                        flat_sequence=flat_zero_output)

    if sequence_length is not None:
        min_sequence_length = math_ops.reduce_min(sequence_length)
        max_sequence_length = math_ops.reduce_max(sequence_length)
    else:
        max_sequence_length = time_steps

    time = constant(0, dtype=dtypes.int32, name="time")

    with name_scope("dynamic_rnn") as scope:
        base_name = scope

    def _create_ta(name, element_shape, dtype):
        return TensorArray(dtype=dtype, size=time_steps, element_shape=element_shape,
                           tensor_array_name=base_name + name)

    output_ta = tuple(
        _create_ta("output_%d" % i,
                   element_shape=TensorShape([const_batch_size]).concatenate(
                       _maybe_tensor_shape_from_tensor(out_size)),
                   dtype=_infer_state_dtype(dtype, state))
        for i, out_size in enumerate(flat_output_size))
    input_ta = tuple(
        _create_ta("input_%d" % i, element_shape=flat_input_i.shape[1:],
                   dtype=flat_input_i.dtype)
        for i, flat_input_i in enumerate(flat_input))
    input_ta = tuple(ta.unstack(input_) for ta, input_ in zip(input_ta, flat_input))

    flat_outer_state = nest.flatten(state)

    def _time_step(time, output_ta_t, state):
        """One step: (time + 1, output_ta_t with this step's outputs written, new_state)."""
        input_t = tuple(ta.read(time) for ta in input_ta)
        # Restore some shape information
        for input_, shape in zip(input_t, inputs_got_shape):
            input_.set_shape(shape[1:])

        input_t = nest.pack_sequence_as(structure=inputs, flat_sequence=input_t)

        def call_cell():
            output, new_state = cell(input_t, state)
            _check_cell_output("dynamic_rnn", cell, output, const_batch_size)
            _check_new_state("dynamic_rnn", cell, flat_outer_state, state, new_state)
            return output, new_state

        if sequence_length is not None:
            (output, new_state) = _rnn_step(
                time=time, sequence_length=sequence_length,
                min_sequence_length=min_sequence_length,
                max_sequence_length=max_sequence_length, zero_output=zero_output,
                state=state, call_cell=call_cell, state_size=state_size,
                skip_conditionals=True)
        else:
            (output, new_state) = call_cell()

        # Pack state if using state tuples
        output = nest.flatten(output)

        output_ta_t = tuple(ta.write(time, out) for ta, out in zip(output_ta_t, output))

        return (time + 1, output_ta_t, new_state)

    # Make sure that we run at least 1 step, if necessary, to ensure the TensorArrays pick
    # up the dynamic shape.
    loop_bound = math_ops.minimum(time_steps, math_ops.maximum(1, max_sequence_length))

    _, output_final_ta, final_state = while_loop(
        cond=lambda time, *_: time < loop_bound,
        body=_time_step,
        loop_vars=(time, output_ta, state),
        parallel_iterations=parallel_iterations,
        maximum_iterations=time_steps,
        swap_memory=swap_memory)

    # Unpack final output if not using output tuples.
    final_outputs = tuple(ta.stack() for ta in output_final_ta)
    # Restore some shape information
    for output, output_size in zip(final_outputs, flat_output_size):
        shape = _concat([const_time_steps, const_batch_size], output_size, static=True)
        output.set_shape(shape)

    final_outputs = nest.pack_sequence_as(structure=cell.output_size,
                                          flat_sequence=final_outputs)
    return (final_outputs, final_state)


# --- bidirectional_dynamic_rnn -----------------------------------------------------------------

def _checked_sequence_length_of(fn_name, inputs, sequence_length, time_major):
    """The sequence-length checks of dynamic_rnn, done once before the inputs are reversed
    (so a bad length is reported as such, not as a reverse_sequence failure)."""
    flat_input = nest.flatten(inputs)
    if not flat_input or any(x is None for x in flat_input):
        raise ValueError("%s: inputs must not be None or empty, got %r" % (fn_name, inputs))
    flat_input = [convert_to_tensor(x) for x in flat_input]
    _check_inputs_rank(fn_name, flat_input, 3)
    sequence_length = math_ops.cast(sequence_length, dtypes.int32)
    if sequence_length.shape.ndims not in (None, 1):
        raise ValueError("sequence_length must be a vector of length batch_size, but saw "
                         "shape: %s" % sequence_length.shape)
    time_axis, batch_axis = (0, 1) if time_major else (1, 0)
    batch_size = None
    for x in flat_input:
        if x.shape.ndims is not None and x.shape[batch_axis] is not None:
            batch_size = x.shape[batch_axis]
            break
    if batch_size is None:
        batch_size = array_ops.shape(flat_input[0])[batch_axis]
    max_time = array_ops.shape(flat_input[0])[time_axis]
    return _checked_sequence_length(fn_name, sequence_length, batch_size, max_time,
                                    name="sequence_length")


def bidirectional_dynamic_rnn(cell_fw, cell_bw, inputs, sequence_length=None,
                              initial_state_fw=None, initial_state_bw=None, dtype=None,
                              parallel_iterations=None, swap_memory=False, time_major=False,
                              scope=None):
    """A forward dynamic_rnn of cell_fw over inputs and a backward one of cell_bw over the
    inputs reversed in time (per sequence when sequence_length is given), its outputs
    reversed back (TF1's tf.nn.bidirectional_dynamic_rnn). Variable scopes
    "<scope or bidirectional_rnn>/fw" and ".../bw".

    Returns ((output_fw, output_bw), (output_state_fw, output_state_bw)).
    """
    assert_like_rnncell("cell_fw", cell_fw)
    assert_like_rnncell("cell_bw", cell_bw)

    with vs.variable_scope(scope or "bidirectional_rnn"):
        if sequence_length is not None:
            sequence_length = _checked_sequence_length_of(
                "bidirectional_dynamic_rnn", inputs, sequence_length, time_major)
        # Forward direction
        with vs.variable_scope("fw") as fw_scope:
            output_fw, output_state_fw = dynamic_rnn(
                cell=cell_fw, inputs=inputs, sequence_length=sequence_length,
                initial_state=initial_state_fw, dtype=dtype,
                parallel_iterations=parallel_iterations, swap_memory=swap_memory,
                time_major=time_major, scope=fw_scope)

        # Backward direction
        if not time_major:
            time_axis = 1
            batch_axis = 0
        else:
            time_axis = 0
            batch_axis = 1

        def _reverse(input_, seq_lengths, seq_axis, batch_axis):
            if seq_lengths is not None:
                return array_ops.reverse_sequence(input=input_, seq_lengths=seq_lengths,
                                                  seq_axis=seq_axis, batch_axis=batch_axis)
            return array_ops.reverse(input_, axis=[seq_axis])

        with vs.variable_scope("bw") as bw_scope:

            def _map_reverse(inp):
                return _reverse(inp, seq_lengths=sequence_length, seq_axis=time_axis,
                                batch_axis=batch_axis)

            inputs_reverse = nest.map_structure(_map_reverse, inputs)
            tmp, output_state_bw = dynamic_rnn(
                cell=cell_bw, inputs=inputs_reverse, sequence_length=sequence_length,
                initial_state=initial_state_bw, dtype=dtype,
                parallel_iterations=parallel_iterations, swap_memory=swap_memory,
                time_major=time_major, scope=bw_scope)

    # TF1 reverses `tmp` with one reverse call, which packs a nested output into a single
    # tensor (an error, or one wrong tensor); rnngraph reverses each output tensor.
    output_bw = nest.map_structure(
        lambda out: _reverse(out, seq_lengths=sequence_length, seq_axis=time_axis,
                             batch_axis=batch_axis), tmp)

    outputs = (output_fw, output_bw)
    output_states = (output_state_fw, output_state_bw)

    return (outputs, output_states)


# --- raw_rnn -------------------------------------------------------------------------------------

def raw_rnn(cell, loop_fn, parallel_iterations=None, swap_memory=False, scope=None):
    """An RNN driven by `loop_fn` (TF1's tf.nn.raw_rnn), in pseudo-code:

        time = 0
        (finished, next_input, initial_state, emit_structure, loop_state) = loop_fn(
            time=time, cell_output=None, cell_state=None, loop_state=None)
        emit_ta = TensorArray(dynamic_size=True, dtype=initial_state.dtype)
        state = initial_state
        while not all(finished):
            (output, cell_state) = cell(next_input, state)
            (next_finished, next_input, next_state, emit, loop_state) = loop_fn(
                time=time + 1, cell_output=output, cell_state=cell_state,
                loop_state=loop_state)
            # Emit zeros and copy forward state for minibatch entries that are finished.
            state = tf.where(finished, state, next_state)
            emit = tf.where(finished, tf.zeros_like(emit_structure), emit)
            emit_ta = emit_ta.write(time, emit)
            # If any new minibatch entries are marked as finished, mark these.
            finished = tf.logical_or(finished, next_finished)
            time += 1
        return (emit_ta, state, loop_state)

    loop_fn(time, cell_output, cell_state, loop_state) returns (finished [batch] bool,
    next_input, next_cell_state, emit_output, next_loop_state). On the first call
    (time 0, the rest None) next_cell_state is the initial state (structure of
    cell.state_size), emit_output the emit structure (None: cell.output_size with the
    state's dtype; else tensors whose shapes, without the batch dimension, and dtypes give
    the emits'), and next_loop_state an optional nest of tensors/TensorArrays (None: no loop
    state; a None returned later keeps the previous one).

    Returns (emit_ta, final_state, final_loop_state): emit_ta a nest of TensorArrays.
    """
    assert_like_rnncell("cell", cell)

    if not callable(loop_fn):
        raise TypeError("loop_fn must be a callable")

    parallel_iterations = parallel_iterations or 32

    # Create a new scope in which the caching device is either determined by the parent
    # scope, or is set to place the cached Variable using the same placement as for the
    # rest of the RNN.
    with vs.variable_scope(scope or "rnn") as varscope:
        if _should_cache():
            if varscope.caching_device is None:
                varscope.set_caching_device(lambda op: op.device)

        time = constant(0, dtype=dtypes.int32)
        (elements_finished, next_input, initial_state, emit_structure,
         init_loop_state) = loop_fn(time, None, None, None)  # time, output, state, loop_state
        flat_input = nest.flatten(next_input)
        flat_input = [convert_to_tensor(input_) for input_ in flat_input]
        next_input = nest.pack_sequence_as(structure=next_input, flat_sequence=flat_input)
        elements_finished = convert_to_tensor(elements_finished)
        if elements_finished.dtype != dtypes.bool:
            raise TypeError("raw_rnn: loop_fn must return `finished` as a bool tensor of shape "
                            "[batch_size], got %s of dtype %s"
                            % (elements_finished.name, elements_finished.dtype.name))

        # Need a surrogate loop state for the while_loop if none is available.
        loop_state = (init_loop_state if init_loop_state is not None
                      else constant(0, dtype=dtypes.int32))

        input_shape = [input_.shape for input_ in flat_input]
        static_batch_size = input_shape[0][0] if input_shape[0].ndims else None

        for input_, input_shape_i in zip(flat_input, input_shape):
            # Static verification that batch sizes all match
            other = input_shape_i[0] if input_shape_i.ndims else None
            if static_batch_size is not None and other is not None and static_batch_size != other:
                raise ValueError(
                    "raw_rnn: inputs have different batch sizes: %s has batch size %d, but %s "
                    "has %d (Dimensions %d and %d are not compatible)"
                    % (flat_input[0].name, static_batch_size, input_.name, other,
                       static_batch_size, other))

        batch_size = static_batch_size
        const_batch_size = batch_size
        if batch_size is None:
            batch_size = array_ops.shape(flat_input[0])[0]

        nest.assert_same_structure(initial_state, cell.state_size)
        state = initial_state
        flat_state = nest.flatten(state)
        flat_state = [convert_to_tensor(s) for s in flat_state]
        state = nest.pack_sequence_as(structure=state, flat_sequence=flat_state)
        _check_initial_state("raw_rnn", cell, state, const_batch_size,
                             what="the initial cell state from loop_fn")

        if emit_structure is not None:
            flat_emit_structure = [convert_to_tensor(e) for e in nest.flatten(emit_structure)]
            flat_emit_size = [emit.shape if emit.shape.is_fully_defined() else array_ops.shape(emit)
                              for emit in flat_emit_structure]
            flat_emit_dtypes = [emit.dtype for emit in flat_emit_structure]
        else:
            emit_structure = cell.output_size
            flat_emit_size = nest.flatten(emit_structure)
            flat_emit_dtypes = [flat_state[0].dtype] * len(flat_emit_size)

        flat_emit_ta = [
            TensorArray(dtype=dtype_i, dynamic_size=True,
                        element_shape=(TensorShape([const_batch_size]).concatenate(
                            _maybe_tensor_shape_from_tensor(size_i))),
                        size=0, name="rnn_output_%d" % i)
            for i, (dtype_i, size_i) in enumerate(zip(flat_emit_dtypes, flat_emit_size))]
        emit_ta = nest.pack_sequence_as(structure=emit_structure, flat_sequence=flat_emit_ta)
        flat_zero_emit = [array_ops.zeros(_concat(batch_size, size_i), dtype_i)
                          for size_i, dtype_i in zip(flat_emit_size, flat_emit_dtypes)]
        zero_emit = nest.pack_sequence_as(structure=emit_structure, flat_sequence=flat_zero_emit)

        def condition(unused_time, elements_finished, *_):
            return math_ops.logical_not(math_ops.reduce_all(elements_finished))

        def body(time, elements_finished, current_input, emit_ta, state, loop_state):
            """One step: the cell, then loop_fn; finished entries emit zeros and keep
            their state."""
            (next_output, cell_state) = cell(current_input, state)

            nest.assert_same_structure(state, cell_state)
            nest.assert_same_structure(cell.output_size, next_output)

            next_time = time + 1
            (next_finished, next_input, next_state, emit_output,
             next_loop_state) = loop_fn(next_time, next_output, cell_state, loop_state)

            nest.assert_same_structure(state, next_state)
            nest.assert_same_structure(current_input, next_input)
            nest.assert_same_structure(emit_ta, emit_output)
            _check_new_state("raw_rnn", cell, flat_state, state, next_state)
            for ta, emit in zip(nest.flatten(emit_ta), nest.flatten(emit_output)):
                emit = convert_to_tensor(emit)
                if not emit.shape.is_compatible_with(ta.element_shape):
                    raise ValueError(
                        "raw_rnn: loop_fn emitted %s of shape %s, which does not match the emit "
                        "structure's shape %s (batch size first)"
                        % (emit.name, emit.shape, ta.element_shape))

            # If loop_fn returns None for next_loop_state, just reuse the previous one.
            loop_state = loop_state if next_loop_state is None else next_loop_state

            def _copy_some_through(current, candidate):
                """Copy some tensors through via array_ops.where."""

                def copy_fn(cur_i, cand_i):
                    # TensorArray and scalar get passed through.
                    if isinstance(cur_i, TensorArray):
                        return cand_i
                    if cur_i.shape.ndims == 0:
                        return cand_i
                    # Otherwise propagate the old or the new value.
                    return array_ops.where(elements_finished, cur_i, cand_i)

                return nest.map_structure(copy_fn, current, candidate)

            emit_output = _copy_some_through(zero_emit, emit_output)
            next_state = _copy_some_through(state, next_state)

            emit_ta = nest.map_structure(lambda ta, emit: ta.write(time, emit),
                                         emit_ta, emit_output)

            elements_finished = math_ops.logical_or(elements_finished, next_finished)

            return (next_time, elements_finished, next_input, emit_ta, next_state, loop_state)

        returned = while_loop(
            condition, body,
            loop_vars=[time, elements_finished, next_input, emit_ta, state, loop_state],
            parallel_iterations=parallel_iterations, swap_memory=swap_memory)

        (emit_ta, final_state, final_loop_state) = returned[-3:]

        if init_loop_state is None:
            final_loop_state = None

        return (emit_ta, final_state, final_loop_state)


# --- static_rnn ----------------------------------------------------------------------------------

def static_rnn(cell, inputs, initial_state=None, dtype=None, sequence_length=None, scope=None):
    """Unroll `cell` over the Python list `inputs` (TF1's tf.nn.static_rnn): one cell call
    per element, all sharing the cell's variables (the "rnn" variable scope is reused after
    the first step).

    inputs: a length-T list of [batch_size, input_size] tensors (or nests of them).
    sequence_length: optional [batch_size] vector with values in [0, T]; at step t an entry
      with t >= sequence_length emits zeros and keeps its state (and once every entry is
      done, the cell is not run).

    Returns (outputs, state): the list of T outputs and the final state.
    """
    assert_like_rnncell("cell", cell)
    if not nest.is_sequence(inputs):
        raise TypeError("inputs must be a sequence")
    if not inputs:
        raise ValueError("inputs must not be empty")

    outputs = []
    # Create a new scope in which the caching device is either determined by the parent
    # scope, or is set to place the cached Variable using the same placement as for the
    # rest of the RNN.
    with vs.variable_scope(scope or "rnn") as varscope:
        if _should_cache():
            if varscope.caching_device is None:
                varscope.set_caching_device(lambda op: op.device)

        # Obtain the first sequence of the input
        first_input = inputs
        while nest.is_sequence(first_input):
            first_input = first_input[0]
        first_input = convert_to_tensor(first_input)

        # Temporarily avoid EmbeddingWrapper and seq2seq badness
        if first_input.shape.ndims != 1:
            input_shape = first_input.shape
            _check_inputs_rank("static_rnn", [first_input], 2)
            fixed_batch_size = input_shape[0] if input_shape.ndims else None

            flat_inputs = [convert_to_tensor(x) for x in nest.flatten(inputs)]
            _check_inputs_rank("static_rnn", flat_inputs, 2)
            for flat_input in flat_inputs:
                input_shape = flat_input.shape
                if input_shape.ndims is None:
                    batch_size, input_size = None, unknown_shape()
                else:
                    batch_size, input_size = input_shape[0], input_shape[1:]
                if fixed_batch_size is not None and batch_size is not None \
                        and fixed_batch_size != batch_size:
                    raise ValueError(
                        "static_rnn: inputs have different batch sizes: %s has batch size %d, "
                        "but %s has %d (Dimensions %d and %d are not compatible)"
                        % (first_input.name, fixed_batch_size, flat_input.name, batch_size,
                           fixed_batch_size, batch_size))
                if input_size.ndims is None:
                    raise ValueError(
                        "Input size (dimension 0 of inputs) must be accessible via shape "
                        "inference, but saw value None (input %s of unknown rank)."
                        % flat_input.name)
                for i, size in enumerate(input_size.dims):
                    if dimension_value(size) is None:
                        raise ValueError(
                            "Input size (dimension %d of inputs) must be accessible via shape "
                            "inference, but saw value None (input %s, shape %s)."
                            % (i, flat_input.name, flat_input.shape))
        else:
            fixed_batch_size = first_input.shape[0]

        if fixed_batch_size:
            batch_size = fixed_batch_size
        else:
            batch_size = array_ops.shape(first_input)[0]
        if initial_state is not None:
            state = initial_state
            _check_initial_state("static_rnn", cell, state,
                                 fixed_batch_size if fixed_batch_size else None)
        else:
            if not dtype:
                raise ValueError("If no initial_state is provided, dtype must be specified")
            if getattr(cell, "get_initial_state", None) is not None:
                state = cell.get_initial_state(inputs=None, batch_size=batch_size, dtype=dtype)
            else:
                state = cell.zero_state(batch_size, dtype)

        if sequence_length is not None:  # Prepare variables
            sequence_length = convert_to_tensor(sequence_length, name="sequence_length")
            if sequence_length.shape.ndims not in (None, 1):
                raise ValueError("sequence_length must be a vector of length batch_size")

            def _create_zero_output(output_size):
                # convert int to TensorShape if necessary
                size = _concat(batch_size, output_size)
                output = array_ops.zeros(size, _infer_state_dtype(dtype, state))
                shape = _concat(fixed_batch_size, output_size, static=True)
                output.set_shape(TensorShape(shape))
                return output

            output_size = cell.output_size
            flat_output_size = nest.flatten(output_size)
            flat_zero_output = tuple(_create_zero_output(size) for size in flat_output_size)
            zero_output = nest.pack_sequence_as(structure=output_size,
                                                flat_sequence=flat_zero_output)

            sequence_length = math_ops.cast(sequence_length, dtypes.int32)
            sequence_length = _checked_sequence_length("static_rnn", sequence_length,
                                                       batch_size, len(inputs))
            min_sequence_length = math_ops.reduce_min(sequence_length)
            max_sequence_length = math_ops.reduce_max(sequence_length)

        for time, input_ in enumerate(inputs):
            if time > 0:
                varscope.reuse_variables()

            def call_cell(input_=input_, state=state):
                output, new_state = cell(input_, state)
                if sequence_length is not None:
                    # Only the copy-through needs outputs and states to keep their shapes
                    # (TF1 lets a state change from step to step otherwise).
                    _check_cell_output("static_rnn", cell, output,
                                       fixed_batch_size if fixed_batch_size else None)
                    _check_new_state("static_rnn", cell, nest.flatten(state), state, new_state)
                return output, new_state

            if sequence_length is not None:
                (output, state) = _rnn_step(
                    time=time, sequence_length=sequence_length,
                    min_sequence_length=min_sequence_length,
                    max_sequence_length=max_sequence_length, zero_output=zero_output,
                    state=state, call_cell=call_cell, state_size=cell.state_size)
            else:
                (output, state) = call_cell()
            outputs.append(output)

        return (outputs, state)


def static_bidirectional_rnn(cell_fw, cell_bw, inputs, initial_state_fw=None,
                             initial_state_bw=None, dtype=None, sequence_length=None,
                             scope=None):
    """static_rnn forward and over the reversed inputs (per sequence with
    sequence_length), outputs depth-concatenated per step (TF1's
    tf.nn.static_bidirectional_rnn). Variable scopes "<scope or bidirectional_rnn>/fw"
    and ".../bw".

    Returns (outputs, output_state_fw, output_state_bw), outputs a list of
    [batch_size, fw output_size + bw output_size] tensors.
    """
    assert_like_rnncell("cell_fw", cell_fw)
    assert_like_rnncell("cell_bw", cell_bw)
    if not nest.is_sequence(inputs):
        raise TypeError("inputs must be a sequence")
    if not inputs:
        raise ValueError("inputs must not be empty")

    with vs.variable_scope(scope or "bidirectional_rnn"):
        if sequence_length is not None:
            # rnngraph: check once, before the inputs are reversed with it.
            sequence_length = math_ops.cast(
                convert_to_tensor(sequence_length, name="sequence_length"), dtypes.int32)
            if sequence_length.shape.ndims not in (None, 1):
                raise ValueError("sequence_length must be a vector of length batch_size")
            first_input = inputs
            while nest.is_sequence(first_input):
                first_input = first_input[0]
            first_input = convert_to_tensor(first_input)
            batch = first_input.shape[0] if first_input.shape.ndims else None
            if batch is None:
                batch = array_ops.shape(first_input)[0]
            sequence_length = _checked_sequence_length("static_bidirectional_rnn",
                                                       sequence_length, batch, len(inputs),
                                                       name="sequence_length")
        # Forward direction
        with vs.variable_scope("fw") as fw_scope:
            output_fw, output_state_fw = static_rnn(cell_fw, inputs, initial_state_fw, dtype,
                                                    sequence_length, scope=fw_scope)

        # Backward direction
        with vs.variable_scope("bw") as bw_scope:
            reversed_inputs = _reverse_seq(inputs, sequence_length)
            tmp, output_state_bw = static_rnn(cell_bw, reversed_inputs, initial_state_bw,
                                              dtype, sequence_length, scope=bw_scope)

    output_bw = _reverse_seq(tmp, sequence_length)
    # Concat each of the forward/backward outputs
    flat_output_fw = nest.flatten(output_fw)
    flat_output_bw = nest.flatten(output_bw)

    flat_outputs = tuple(array_ops.concat([fw, bw], 1)
                         for fw, bw in zip(flat_output_fw, flat_output_bw))

    outputs = nest.pack_sequence_as(structure=output_fw, flat_sequence=flat_outputs)

    return (outputs, output_state_fw, output_state_bw)


# --- tf.contrib.rnn.stack_bidirectional_dynamic_rnn ----------------------------------------------

def stack_bidirectional_dynamic_rnn(cells_fw, cells_bw, inputs, initial_states_fw=None,
                                    initial_states_bw=None, dtype=None, sequence_length=None,
                                    parallel_iterations=None, time_major=False, scope=None,
                                    swap_memory=False):
    """Layers of bidirectional_dynamic_rnn, each fed the previous layer's forward and
    backward outputs concatenated on the depth axis (TF 1.15's
    tf.contrib.rnn.stack_bidirectional_dynamic_rnn). Variable scopes
    "<scope or stack_bidirectional_rnn>/cell_<i>/bidirectional_rnn/{fw,bw}".

    Returns (outputs, output_states_fw, output_states_bw): outputs the last layer's
    concatenated outputs, the states tuples with one final state per layer.
    """
    if not cells_fw:
        raise ValueError("Must specify at least one fw cell for BidirectionalRNN.")
    if not cells_bw:
        raise ValueError("Must specify at least one bw cell for BidirectionalRNN.")
    if not isinstance(cells_fw, list):
        raise ValueError("cells_fw must be a list of RNNCells (one per layer).")
    if not isinstance(cells_bw, list):
        raise ValueError("cells_bw must be a list of RNNCells (one per layer).")
    if len(cells_fw) != len(cells_bw):
        raise ValueError("Forward and Backward cells must have the same depth.")
    if (initial_states_fw is not None and
            (not isinstance(initial_states_fw, list) or
             len(initial_states_fw) != len(cells_fw))):
        raise ValueError("initial_states_fw must be a list of state tensors (one per layer).")
    if (initial_states_bw is not None and
            (not isinstance(initial_states_bw, list) or
             len(initial_states_bw) != len(cells_bw))):
        raise ValueError("initial_states_bw must be a list of state tensors (one per layer).")

    states_fw = []
    states_bw = []
    prev_layer = inputs

    with vs.variable_scope(scope or "stack_bidirectional_rnn"):
        for i, (cell_fw, cell_bw) in enumerate(zip(cells_fw, cells_bw)):
            initial_state_fw = None
            initial_state_bw = None
            if initial_states_fw:
                initial_state_fw = initial_states_fw[i]
            if initial_states_bw:
                initial_state_bw = initial_states_bw[i]

            with vs.variable_scope("cell_%d" % i):
                outputs, (state_fw, state_bw) = bidirectional_dynamic_rnn(
                    cell_fw, cell_bw, prev_layer, initial_state_fw=initial_state_fw,
                    initial_state_bw=initial_state_bw, sequence_length=sequence_length,
                    parallel_iterations=parallel_iterations, dtype=dtype,
                    swap_memory=swap_memory, time_major=time_major)
                # Concat the outputs to create the new input.
                prev_layer = array_ops.concat(outputs, 2)
            states_fw.append(state_fw)
            states_bw.append(state_bw)

    return prev_layer, tuple(states_fw), tuple(states_bw)
