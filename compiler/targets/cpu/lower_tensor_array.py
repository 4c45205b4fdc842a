"""Lowering of TensorArrays to one preallocated buffer [capacity, *element_shape] with
written/cleared masks and a size: writes store in place (as TF1's stateful TensorArray does),
reads index the buffer, gather copies rows out (stack returns the buffer itself), a dynamic_size array doubles its
capacity when written past its end. TF1's run-time errors are checked before each access.
A single read or write (mostly in a loop body) is emitted inline; a scatter or gather (an
unstack or stack, outside the loop) is one call of kernels.ta_scatter / ta_gather, which
make the same checks: inline, their loops were a tenth of the test suite's generated code.
"""
import contextlib

from .emitter import NP_DTYPE, TAExpr, int_tuple, lowering, rank
from .lower_fused import copy_row


def _ta_name(node):
    return (node.attrs.get("tensor_array_name") or node.name)


def _element_rank(node):
    cell = node.attrs.get("element_shape_cell")
    shape = cell[0] if cell else node.attrs.get("element_shape")
    if shape is None or shape.ndims is None:
        raise NotImplementedError("a TensorArray whose element rank is never known (%s) on the "
                                  "cpu target" % node.name)
    return shape


@lowering("TensorArrayNew")
def lower_new(e, node, ins):
    shape = _element_rank(node)
    dt = NP_DTYPE[node.attrs["dtype"]]
    size = e.assign("ta_n", "np.int64(%s)" % ins[0])
    e.fail_if("%s < 0" % size, node, "InvalidArgumentError",
              lambda v: "TensorArray size must be >= 0, got %d" % v[0], [size])
    if node in e.adopting:  # its scatter allocates it or adopts its values (adopting_scatters)
        buf = e.assign("ta_buf", "kernels.zeros(%s, %s)" % (int_tuple([0] + shape.dims), dt))
    elif shape.is_fully_defined():
        buf = e.assign("ta_buf", "kernels.zeros(%s, %s)" % (int_tuple([size] + shape.dims), dt))
    else:
        buf = e.assign("ta_buf", "kernels.zeros(%s, %s)" % (int_tuple([0] * (1 + (shape.ndims or 0))), dt))
    written = e.assign("ta_written", "kernels.zeros(%s if %s > 1 else 1, np.bool_)" % (size, size))
    cleared = e.assign("ta_cleared", "kernels.zeros(%s if %s > 1 else 1, np.bool_)" % (size, size))
    return [TAExpr(buf, written, cleared, size, shape.ndims, node.attrs["dtype"], dict(
        node.attrs, name=_ta_name(node), static_shape=shape))]


@lowering("TensorArrayGrad")
def lower_grad(e, node, ins):
    """A gradient array: the forward array's size and element shape, zeros, writes add up."""
    fwd = ins[0]
    dt = NP_DTYPE[fwd.dtype]
    buf = e.assign("ta_buf", "kernels.zeros((%s.shape[0] if %s.shape[0] > 0 else 0,) + %s.shape[1:], %s)"
                   % (fwd.written, fwd.buf, fwd.buf, dt) if fwd.rank else
                   "kernels.zeros(%s.shape[0], %s)" % (fwd.written, dt))
    written = e.assign("ta_written", "kernels.zeros(%s if %s > 1 else 1, np.bool_)" % (fwd.size, fwd.size))
    cleared = e.assign("ta_cleared", "kernels.zeros(%s if %s > 1 else 1, np.bool_)" % (fwd.size, fwd.size))
    size = e.assign("ta_n", "np.int64(%s)" % fwd.size)
    attrs = dict(fwd.attrs, name=fwd.attrs["name"] + "/grad", dynamic_size=True,
                 clear_after_read=False, aggregate=True)
    return [TAExpr(buf, written, cleared, size, fwd.rank, fwd.dtype, attrs)]


# TF1's messages (values: what the check reports in err_f).
def _write_negative(v):
    return "Tried to write to index %d but array size is: %d" % (v[0], v[1])


def _write_not_resizeable(v):
    return "Tried to write to index %d but array is not resizeable and size is: %d" % (v[0], v[1])


def _written_twice(v):
    return "Could not write to TensorArray index %d because it has already been written to." % v[0]


def _dims(v, first, rank):
    return "[%s]" % ",".join("%d" % d for d in v[first:first + rank])


def _incompatible_shape(rank):
    """The message for values [index, the value's dims, the element shape's dims]."""
    return lambda v: ("Could not write to TensorArray index %d because the value shape is %s "
                      "which is incompatible with the TensorArray's inferred element shape: %s "
                      "(consider setting infer_shape=False)." % (
                          v[0], _dims(v, 1, rank), _dims(v, 1 + rank, rank)))


def _read_out_of_range(v):
    return "Tried to read from index %d but array size is: %d" % (v[0], v[1])


def _read_cleared(v):
    return ("Could not read index %d twice because it was cleared after a previous read "
            "(perhaps try setting clear_after_read = false?)" % v[0])


def _read_unwritten(v):
    return ("Could not read from TensorArray index %d because it has not yet been written to, "
            "and its element shape is not fully defined." % v[0])


def _scatter_length(v):
    return "Expected len(indices) == values.shape[0], but saw: %d vs. %d" % (v[0], v[1])


def _scatter_checks(ta, rank):
    """kernels.ta_scatter's checks, in the order it numbers them (`rank`: the elements')."""
    return [("InvalidArgumentError", _named(ta, text)) for text in (
        _scatter_length, _write_negative, _write_not_resizeable, _written_twice,
        _incompatible_shape(rank))]


def _gather_checks(ta):
    """kernels.ta_gather's checks, in the order it numbers them."""
    shape = ta.attrs["static_shape"].short()
    empty = lambda v: (  # noqa: E731
        "TensorArray %s: TensorArray has size zero, but element shape %s is not fully defined. "
        "Currently only static shapes are supported when packing zero-size TensorArrays."
        % (ta.attrs["name"], shape))
    return [("UnimplementedError", empty)] + [("InvalidArgumentError", _named(ta, text)) for text in (
        _read_out_of_range, _read_cleared, _read_unwritten)]


def _named(ta, text):
    """The message of a check on `ta`: TF1 names the array first."""
    return lambda v, text=text, name=ta.attrs["name"]: "TensorArray %s: %s" % (name, text(v))


def _fail(e, ta, node, cond, text, values=()):
    e.fail_if(cond, node, "InvalidArgumentError", _named(ta, text), list(values))


def _write(e, ta, node, index, value, dims, placed=False):
    """Emit the checks and store of one element (index and value are expressions; dims:
    the value's static dims, None where unknown; `placed`: the value's loop may have
    written it into its row already, write_in_place). A named value is copied by a loop
    nest (lower_fused.copy_row)."""
    value_rank = len(dims)
    i = e.assign("ta_i", "np.int64(%s)" % index)
    _fail(e, ta, node, "%s < 0" % i, _write_negative, [i, ta.size])
    with e.block("if %s >= %s:" % (i, ta.size)):
        if not ta.attrs.get("dynamic_size"):
            _fail(e, ta, node, "True", _write_not_resizeable, [i, ta.size])
        else:
            _grow(e, ta, "%s + 1" % i)
    if not ta.attrs.get("aggregate"):
        _fail(e, ta, node, "%s[%s] or %s[%s]" % (ta.written, i, ta.cleared, i), _written_twice, [i])
    if value_rank:
        # The buffer is allocated by the first write (its capacity then always equals the
        # masks'), so "not allocated yet" is a size comparison, not a scan of the mask.
        if not ta.attrs.get("allocated"):
            with e.block("if %s.shape[0] < %s.shape[0]:" % (ta.buf, ta.written)):
                e.line("%s = kernels.zeros((%s.shape[0],) + %s.shape, %s)" % (ta.buf, ta.written, value, NP_DTYPE[ta.dtype]))
        _fail(e, ta, node, "%s.shape[1:] != %s.shape" % (ta.buf, value), _incompatible_shape(value_rank),
              [i] + ["%s.shape[%d]" % (value, d) for d in range(value_rank)] +
              ["%s.shape[%d]" % (ta.buf, d + 1) for d in range(value_rank)])
    elif not ta.attrs.get("allocated"):
        with e.block("if %s.shape[0] < %s.shape[0]:" % (ta.buf, ta.written)):
            e.line("%s = kernels.zeros(%s.shape[0], %s)" % (ta.buf, ta.written, NP_DTYPE[ta.dtype]))
    if ta.attrs.get("aggregate"):  # a gradient array: unwritten rows are zeros, so add
        if value_rank:
            e.line("kernels.add_index(%s, %s, %s)" % (ta.buf, i, value))
        else:
            e.line("%s[%s] += %s" % (ta.buf, i, value))
    elif value_rank:
        with contextlib.ExitStack() as nest:
            if placed:  # the value may already be the row (TensorArrayRow)
                nest.enter_context(e.block("if %s.ctypes.data != %s.ctypes.data + %s * %s.strides[0]:"
                                           % (value, ta.buf, i, ta.buf)))
            if value.isidentifier():
                copy_row(e, ta.buf, i, value, dims)
            else:
                e.line("kernels.set_index(%s, %s, %s)" % (ta.buf, i, value))
    else:
        e.line("%s[%s] = %s" % (ta.buf, i, value))
    e.line("%s[%s] = True" % (ta.written, i))


def _grow(e, ta, needed):
    """Double the capacity (at least to `needed`), keeping what was written; size = needed."""
    cap = e.assign("ta_cap", "max(%s, 2 * %s.shape[0])" % (needed, ta.written))
    for mask in (ta.written, ta.cleared):
        e.line("%s = kernels.grow_rows(%s, %s)" % (mask, mask, cap))
    with e.block("if %s.shape[0] > 0:" % ta.buf):
        e.line("%s = kernels.grow_rows(%s, %s)" % (ta.buf, ta.buf, cap))
    e.line("%s = np.int64(%s)" % (ta.size, needed))


def _read(e, ta, node, index):
    """Emit the checks of reading one element; returns the index expression."""
    i = e.assign("ta_i", "np.int64(%s)" % index)
    _fail(e, ta, node, "%s < 0 or %s >= %s" % (i, i, ta.size), _read_out_of_range, [i, ta.size])
    _fail(e, ta, node, "%s[%s]" % (ta.cleared, i), _read_cleared, [i])
    if (ta.attrs.get("aggregate") or not ta.attrs["static_shape"].is_fully_defined()) and \
            not ta.attrs.get("allocated"):
        # An unwritten element reads as zeros once a write fixed the element shape. A
        # gradient array has a buffer as soon as its forward array has one, which a fully
        # known shape guarantees: there the check never fails, but it is made all the same,
        # so that a gradient loop is the same code (one compiled function) whether or not
        # the forward array's shape was known when the graph was built.
        _fail(e, ta, node, "not %s[%s] and %s.shape[0] < %s.shape[0]" % (ta.written, i, ta.buf, ta.written),
              _read_unwritten, [i])
    if ta.attrs.get("clear_after_read", True):
        e.line("%s[%s] = True" % (ta.cleared, i))
    return i


@lowering("TensorArrayWrite")
def lower_write(e, node, ins):
    ta, value = ins[0], node.inputs[2]
    placed = value in e.placed and isinstance(e.destinations.get(value), TensorArrayRow)
    _write(e, ta, node, ins[1], ins[2], value.shape.dims[:rank(value)], placed)
    return [ta]


def allocated(e, ta):
    """`ta` with its buffer allocated now if it is not yet (its element shape is known):
    a loop's reads and writes then need not allocate it (attrs["allocated"]; growing keeps
    an allocated buffer allocated). A buffer assigned conditionally in a loop is a loop-
    carried variable of Numba's: atomic reference-count operations every iteration. Zeros
    either way: an unwritten element of a known shape reads as zeros."""
    shape = ta.attrs["static_shape"]
    if ta.attrs.get("allocated") or not shape.is_fully_defined():
        return ta
    with e.block("if %s.shape[0] < %s.shape[0]:" % (ta.buf, ta.written)):
        e.line("%s = kernels.zeros(%s, %s)" % (ta.buf, int_tuple(["%s.shape[0]" % ta.written] + shape.as_list()),
                                               NP_DTYPE[ta.dtype]))
    return _known_allocated(ta)


def _known_allocated(ta):
    """`ta`, its buffer known to be allocated from here on (attrs["allocated"])."""
    return TAExpr(*ta.parts(), ta.rank, ta.dtype, dict(ta.attrs, allocated=True))


class TensorArrayRow:
    """The destination of a value its loop nest computes and the body then writes into a
    TensorArray (write_in_place): the row of the array's buffer at the write's index when
    the write will store it there (in range, neither written nor cleared, the buffer
    allocated with the value's shape), else the fresh array the write copies as usual."""

    def __init__(self, ta, index, shape):
        self.ta, self.index, self.shape = ta, index, shape

    def resolve(self, e, hint, fresh):
        ta, i = e.expr(self.ta), e.expr(self.index)
        if ta.attrs.get("aggregate"):
            return e.assign(hint, fresh)
        fits = " and ".join("%s.shape[%d] == %d" % (ta.buf, d + 1, n) for d, n in enumerate(self.shape))
        return e.assign(hint, "%s[%s] if %s >= 0 and %s < %s and %s < %s.shape[0] and not %s[%s] and not %s[%s] and %s else %s" % (
            ta.buf, i, i, i, ta.size, i, ta.buf, ta.written, i, ta.cleared, i, fits, fresh))


def write_in_place(e, body):
    """A value that a loop body computes by a loop nest (lower_fused.emit_loop: a fused
    group or one elementwise op) and then writes into a TensorArray it carries, at an index
    the body receives (dynamic_rnn's output at `time`), is written straight into that
    element of the array's buffer (TensorArrayRow); the write makes its checks and copies
    nothing. One allocation and one copy fewer per step (the tiny LSTM's forward pass 0.115
    -> 0.105 ms). An element the body reads is written already or cleared, so a value's
    loop never writes the row it reads. Not for a value with a destination already (a
    saved one: _save_in_place); other lowerings ignore the destination (e.placed)."""
    args = {a.id for a in body.args}
    for node in body.nodes:
        if node.type != "TensorArrayWrite":
            continue
        ta, index, value = node.inputs
        if ta.id in args and index.id in args and rank(value) > 0 and \
                value.shape.is_fully_defined() and value not in e.destinations:
            e.destinations[value] = TensorArrayRow(ta, index, value.shape.as_list())


@lowering("TensorArrayRead")
def lower_read(e, node, ins):
    ta = ins[0]
    i = _read(e, ta, node, ins[1])
    if ta.rank == 0:
        return [e.assign("ta_read", "%s(%s[%s])" % (NP_DTYPE[ta.dtype], ta.buf, i))]
    if not ta.attrs.get("allocated"):
        with e.block("if %s.shape[0] == 0:" % ta.buf):
            e.line("%s = kernels.zeros((%s.shape[0],) + %s.shape[1:], %s)" % (ta.buf, ta.written, ta.buf, NP_DTYPE[ta.dtype]))
    return [e.lazy("ta_read", "%s[%s]" % (ta.buf, i), (ta.buf, i))]


@lowering("TensorArrayGather")
def lower_gather(e, node, ins):
    """kernels.ta_gather: the reads' checks, then the rows (stack: the buffer itself)."""
    ta = ins[0]
    base = e.kernel_checks(node, _gather_checks(ta))
    rows = e.fresh("ta_rows")
    e.line("%s = kernels.ta_gather(%s, kernels.flat(%s), %s, %s, %s, %s, err_i, err_f, %s)" % (
        rows, ", ".join(ta.parts()), ins[1], ta.attrs.get("clear_after_read", True),
        not ta.attrs["static_shape"].is_fully_defined(), ta.attrs.get("identical_element_shapes", True),
        bool(ta.rank) and not ta.attrs.get("aggregate"), base))
    return [rows]


# Ops whose lowering always makes a new array of their own (kernels.transpose copies).
_FRESH_PRODUCERS = ("Transpose",)


def adopting_scatters(fn):
    """The TensorArrayScatter nodes of `fn` (not of its bodies) whose array comes straight
    from a TensorArrayNew of a fully known element shape and whose values are a new array
    of the array's dtype (a Transpose's: dynamic_rnn's time-major inputs), neither read by
    anything else; with their TensorArrayNew nodes. Such an array's buffer is left
    unallocated and the scatter (kernels.ta_scatter_adopting) makes the values the buffer
    when it writes every element in order: the large LSTM's inputs were zeroed and copied,
    13 MB each, on one thread before the loop."""
    readers = fn.readers()
    chosen = set()
    for node in fn.nodes:
        if node.type != "TensorArrayScatter":
            continue
        ta, values = node.inputs[0], node.inputs[2]
        new = ta.node
        if new is not None and new.type == "TensorArrayNew" and readers.get(ta.id) == [node] and \
                values.node is not None and values.node.type in _FRESH_PRODUCERS and \
                readers.get(values.id) == [node] and values.dtype == new.attrs["dtype"] and \
                _element_rank(new).is_fully_defined():
            chosen.update((node, new))
    return chosen


@lowering("TensorArrayScatter")
def lower_scatter(e, node, ins):
    """kernels.ta_scatter: each element's checks and store (a gradient array adds); into
    a new array that may adopt its values, kernels.ta_scatter_adopting (the same checks),
    after which the buffer is allocated."""
    ta = ins[0]
    base = e.kernel_checks(node, _scatter_checks(ta, (node.inputs[2].shape.ndims or 1) - 1))
    if node in e.adopting:
        e.line("%s = kernels.ta_scatter_adopting(%s, kernels.flat(%s), %s, %s, err_i, err_f, %s)" % (
            ", ".join(ta.parts()), ", ".join(ta.parts()), ins[1], ins[2], bool(ta.attrs.get("dynamic_size")),
            base))
        return [_known_allocated(ta)]
    e.line("%s = kernels.ta_scatter(%s, kernels.flat(%s), %s, %s, %s, err_i, err_f, %s)" % (
        ", ".join(ta.parts()), ", ".join(ta.parts()), ins[1], ins[2], bool(ta.attrs.get("dynamic_size")),
        bool(ta.attrs.get("aggregate")), base))
    return [ta]


@lowering("TensorArraySize")
def lower_size(e, node, ins):
    return [e.assign("ta_size", "np.int32(%s)" % ins[0].size)]


@lowering("TensorArrayConcat")
def lower_concat(e, node, ins):
    ta = ins[0]
    with e.block("for j in range(%s):" % ta.size):
        _read(e, ta, node, "j")
    flat = e.assign("ta_concat", "kernels.contiguous(%s[:%s]).reshape((%s * %s.shape[1],) + %s.shape[2:])"
                    % (ta.buf, ta.size, ta.size, ta.buf, ta.buf))
    lengths = e.assign("ta_lengths", "kernels.full(%s, np.int64(%s.shape[1]))" % (ta.size, ta.buf))
    return [flat, lengths]


@lowering("TensorArraySplit")
def lower_split(e, node, ins):
    ta = ins[0]
    lengths = e.assign("ta_len", "kernels.flat(%s)" % ins[2])
    bad = e.assign("ta_bad", "np.argmax(%s != %s[0]) if %s.size else 0" % (lengths, lengths, lengths))
    uneven = "%s.size > 0 and %s[%s] != %s[0]" % (lengths, lengths, bad, lengths)
    if ta.attrs.get("identical_element_shapes", True):
        # Pieces of different lengths cannot share the inferred element shape: TF's error.
        rest = ["%s.shape[%d]" % (ins[1], i) for i in range(1, min(rank(node.inputs[1]), 14))]
        e.fail_if(uneven, node, "InvalidArgumentError", lambda v: (
            "Could not write to TensorArray index %d because the value shape is [%s] which is "
            "incompatible with the TensorArray's inferred element shape: [%s] (consider setting "
            "infer_shape=False)." % (v[0], ",".join("%d" % d for d in [v[1]] + v[3:]),
                                     ",".join("%d" % d for d in [v[2]] + v[3:]))),
            [bad, "%s[%s]" % (lengths, bad), "%s[0]" % lengths] + rest)
    e.fail_if(uneven, node, "UnimplementedError", lambda v: "TensorArray.split into pieces of "
              "different lengths (infer_shape=False) is not supported on the cpu target")
    e.fail_if("np.sum(%s) != %s.shape[0]" % (lengths, ins[1]), node, "InvalidArgumentError",
              lambda v: "Expected sum of lengths to be equal to values.shape[0]")
    piece = e.assign("ta_piece", "%s[0] if %s.size else 0" % (lengths, lengths))
    with e.block("for j in range(%s.size):" % lengths):
        _write(e, ta, node, "j", "%s[j * %s:(j + 1) * %s]" % (ins[1], piece, piece),
               node.inputs[1].shape.dims[:rank(node.inputs[1])])
    return [ta]
