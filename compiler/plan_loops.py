"""Stage 5, plan loops: find the work in a While body that depends only on the iteration
index and loop-invariant values, so it can run batched over windows of P =
parallel_iterations iterations ahead of the recurrent part (DESIGN.md).

The pattern every TF1 RNN cell produces is recognized:

    x_t = input_ta.read(t)                 # input_ta captured (loop-invariant), t += 1
    y   = concat([x_t, h], 1) @ W          # W loop-invariant (a captured variable)

which is y = x_t @ W[:dx] + h @ W[dx:]. The first term of P consecutive steps is one
matrix product [P*batch, dx] @ W[:dx] computed when a window starts; each step then only
multiplies its recurrent part. P = 1 is strictly sequential, with the smallest buffer.

Backward loops get the converse (DeferredProduct): a weight gradient summed over the steps
is computed after the loop, in one product over all of them.
"""
import numpy as np


# Readers that consume a value into a new array of their own (no view of it survives them).
COPYING_READERS = {"FusedElementwise", "Add", "Sub", "Mul", "RealDiv", "Maximum", "Minimum",
                   "Tanh", "Sigmoid", "Relu"}


class InputProjection:
    """One planned matmul: `matmul` (in the body) = concat([read, rest]) @ weight."""

    def __init__(self, matmul, concat, read, ta_arg, counter_arg, weight, rest, in_place):
        self.matmul = matmul
        self.concat = concat
        self.read = read
        self.ta_arg = ta_arg          # body arg holding the input TensorArray (a capture)
        self.counter_arg = counter_arg  # body arg of the induction variable
        self.weight = weight          # loop-invariant weight Value [dx + dh, n]
        self.rest = rest              # the recurrent operand h
        self.in_place = in_place      # only elementwise ops read the product: it may live
                                      # in the window buffer (overwritten by later windows)
        self.ta_size = None           # the input TensorArray's size when static (steps)
        self.keep_concat = False      # the concat is also a body output (a training forward
                                      # loop saves it for the weight gradient): still made
        self.epilogue = None          # the product's only reader when a FusedElementwise
                                      # (a cell's gates): the target may compute both at once


def plan_while(node):
    """The input projections of one While node that can be batched (may be empty)."""
    body = node.bodies["body"]
    n = node.attrs["n_vars"]
    counters = _induction_args(body, n)
    invariant = set(a.id for a in body.args[n:])
    written = assigned_in(body)
    uses = body.readers()
    plans = []
    for mm in body.nodes:
        if mm.type != "MatMul" or mm.attrs.get("transpose_a") or mm.attrs.get("transpose_b"):
            continue
        concat, weight = mm.inputs[0].node, mm.inputs[1]
        if concat is None or concat.type != "Concat" or len(concat.inputs) != 2 or \
                concat.attrs["axis"] % 2 != 1 or weight.id not in invariant or weight.id in written:
            continue
        read = concat.inputs[0].node
        if read is None or read.type != "TensorArrayRead" or not mm.outputs[0].dtype.is_floating:
            continue
        ta_arg, index = read.inputs
        if ta_arg.id not in invariant or index.id not in counters:
            continue
        concat_uses = uses.get(concat.outputs[0].id, [])
        if [u for u in concat_uses if u is not None] != [mm]:
            continue  # (a concat the loop also saves for the gradient is kept, see keep_concat)
        dx = read.outputs[0].shape.dims[-1] if read.outputs[0].shape.ndims == 2 else None
        if dx is None:
            continue
        readers = uses.get(mm.outputs[0].id, [])
        in_place = all(r is not None and r.type in COPYING_READERS for r in readers)
        plan = InputProjection(mm, concat, read, ta_arg, index, weight, concat.inputs[1], in_place)
        plan.keep_concat = None in concat_uses
        if len(set(readers)) == 1 and readers[0] is not None and readers[0].type == "FusedElementwise":
            plan.epilogue = readers[0]
        n_cond = len(node.bodies["cond"].args) - n  # inputs: vars, cond captures, body captures
        plan.ta_size = _tensor_array_size(node.inputs[body.args.index(ta_arg) + n_cond])
        plans.append(plan)
    return plans


# The most bytes a window holds when that is fewer steps than parallel_iterations. One
# product writes the window, the following steps read it back a row at a time: a window
# that outgrows the cache is written to memory and read back from it. (A step of the large
# benchmark LSTM, 128 x 2048 floats, is 1 MiB: 32 steps took 334 ms, one 258.) Rows enough
# for an efficient product (128 and more) come from the batch then.
WINDOW_BYTES = 1 << 20


def window_steps(plan, p):
    """How many steps one window of `plan` holds: parallel_iterations `p`, fewer when its
    rows would exceed WINDOW_BYTES, at least one."""
    out = plan.matmul.outputs[0]
    n = out.shape.num_elements()
    if n is None:
        return p
    return max(1, min(p, WINDOW_BYTES // (n * out.dtype.np.itemsize)))


def assigned_in(body):
    """Ids of the variables a loop body assigns (those are not loop-invariant)."""
    return {v.id for b in body.walk() for v in b.inputs[:1] if b.type in ("Assign", "AssignAdd", "AssignSub")}


class DeferredProduct:
    """A loop variable that sums a weight gradient, `acc' = acc + stack[r]^T @ g`, with
    `stack` a loop-invariant saved stack read one row per step (`slice`) and g computed in
    the step. The backward loop of every RNN cell has one per weight matrix. Deferred, the
    step only adds g into row r of a buffer of the stack's rows, and after the loop one
    product `stack[rows*batch, k]^T @ buffer[rows*batch, n]` replaces the per-step ones
    (PyTorch computes weight gradients this way): one large gemm instead of a small one per
    step. The sum is the same up to floating-point rounding order."""

    def __init__(self, index, add, matmul, slice_node, stack_arg, grad):
        self.index = index            # the loop variable's position
        self.acc_arg = add.inputs[1 - add.inputs.index(matmul.outputs[0])]  # its body arg
        self.add = add                # acc + product (the body's output `index`)
        self.matmul = matmul          # stack[r]^T @ g
        self.slice = slice_node       # stack[r] (kept: it validates r)
        self.stack_arg = stack_arg    # body arg holding the stack (a capture)
        self.grad = grad              # g [batch, n]
        self.row = slice_node.inputs[1].node.inputs[0]  # r (the slice's begin is [r])


def plan_deferred(node):
    """The weight-gradient sums of one While node that can be deferred (may be empty)."""
    body, cond = node.bodies["body"], node.bodies["cond"]
    n = node.attrs["n_vars"]
    uses = body.readers()
    cond_uses = cond.readers()
    plans = []
    for k in range(n):
        arg, add = body.args[k], body.outputs[k].node
        if add is None or add.type != "Add" or len(add.inputs) != 2 or arg not in add.inputs or \
                uses.get(arg.id) != [add] or cond_uses.get(cond.args[k].id) or \
                uses.get(add.outputs[0].id) != [None]:
            continue
        mm = add.inputs[1 - add.inputs.index(arg)].node
        if mm is None or mm.type != "MatMul" or not mm.attrs.get("transpose_a") or \
                mm.attrs.get("transpose_b") or uses.get(mm.outputs[0].id) != [add] or \
                not mm.outputs[0].dtype.is_floating or not arg.shape.is_fully_defined() or \
                mm.outputs[0].shape.as_list() != arg.shape.as_list():
            continue
        sl, grad = mm.inputs[0].node, mm.inputs[1]
        if sl is None or sl.type != "StridedSlice" or sl.attrs.get("shrink_axis_mask") != 1 or \
                sl.attrs.get("ellipsis_mask") or sl.attrs.get("new_axis_mask") or \
                sl.inputs[0] not in body.args[n:] or sl.inputs[1].node is None or \
                sl.inputs[1].node.type != "ExpandDims" or sl.inputs[0].shape.ndims != 3 or \
                not grad.shape.is_fully_defined() or grad.shape.ndims != 2:
            continue
        plans.append(DeferredProduct(k, add, mm, sl, sl.inputs[0], grad))
    return plans


# Above this many iterations a loop's saved stacks grow as they fill instead (an upper bound
# that large is more likely a guard than the trip count).
MAX_PRESIZED_TRIPS = 1 << 20


def static_trip_count(node):
    """The number of iterations of While `node` when its condition fixes it before the loop
    runs, else None: the condition is `i < c` or `i <= c`, or an `and` of such terms, each i
    a counter (i + 1 each iteration) starting from a constant and each c a constant
    (dynamic_rnn's `time < steps and iteration < steps`). A training loop's saved stacks
    are then allocated at their final size instead of growing by doubling."""
    cond, body = node.bodies["cond"], node.bodies["body"]
    n = node.attrs["n_vars"]
    counters = _induction_args(body, n)
    terms = _and_terms(cond.outputs[0])
    if not terms:
        return None
    trips = []
    for t in terms:
        if t.type not in ("Less", "LessEqual") or t.inputs[0] not in cond.args[:n]:
            return None
        k = cond.args.index(t.inputs[0])
        start = node.inputs[k].const
        limit = _constant(t.inputs[1], cond, node)
        if body.args[k].id not in counters or start is None or limit is None or \
                np.size(start) != 1 or np.size(limit) != 1:
            return None
        trips.append(int(limit) - int(start) + (t.type == "LessEqual"))
    count = max(min(trips), 0)
    return count if count <= MAX_PRESIZED_TRIPS else None


def _and_terms(value):
    """The nodes a boolean `value` is the logical and of (itself if no and), looking inside
    fused elementwise groups; None if it is not computed by a node."""
    node = value.node
    if node is not None and node.type == "FusedElementwise":
        node = next(m for m in node.members if value in m.outputs)
    if node is None:
        return None
    if node.type == "LogicalAnd":
        parts = [_and_terms(v) for v in node.inputs]
        return None if None in parts else parts[0] + parts[1]
    return [node]


def _constant(value, fn, node):
    """The constant `value` (a value of the While's function `fn`) holds: its own, or that of
    the While input a capture argument stands for."""
    if value.const is not None:
        return value.const
    if value in fn.args:
        return node.inputs[_outer_index(node, fn, fn.args.index(value))].const
    return None


def _outer_index(node, fn, j):
    """The While input that argument j of its cond or body function receives."""
    n = node.attrs["n_vars"]
    if j < n:
        return j
    n_cond = len(node.bodies["cond"].args) - n
    return j if fn is node.bodies["cond"] else j + n_cond


def _tensor_array_size(value):
    """The static size of the TensorArray `value`, or None."""
    node = array_origin(value)
    if node is None or node.inputs[0].const is None:
        return None
    return int(node.inputs[0].const)


def array_origin(value):
    """The TensorArrayNew node the TensorArray `value` is a version of (through writes,
    loops that carry it, and gradient arrays, which have the forward array's size), or None
    (an array made in another function body)."""
    while value.node is not None and value.node.type != "TensorArrayNew":
        node = value.node
        if node.type == "While" and value.index < node.attrs["n_vars"]:
            value = node.inputs[value.index]
        elif node.inputs and node.inputs[0].dtype.name == "tensor_array" and node.type != "While":
            value = node.inputs[0]
        else:
            return None
    return value.node


def _induction_args(body, n):
    """Ids of loop-variable args v whose next value is v + 1."""
    out = set()
    for k in range(n):
        arg, nxt = body.args[k], body.outputs[k].node
        if nxt is not None and nxt.type == "Add" and arg in nxt.inputs and any(
                i.const is not None and i.const.size == 1 and int(i.const) == 1 for i in nxt.inputs):
            out.add(arg.id)
    return out


def iteration_axes(value):
    """How many leading axes of `value` count loop iterations: 1 for the stack a While
    saves per iteration, plus those of the body value it stacks (a nested loop's own
    stack); 0 for any other value. These axes may vary between the rows of an outer loop's
    stack (an inner loop's trip count may depend on the outer iteration); the gradient
    reads only the rows the iterations wrote, so the target pads them (as the reference
    interpreter's While does, rnngraph/primitives/control_flow.py)."""
    node = value.node
    if node is None or node.type != "While" or value.index <= node.attrs["n_vars"]:
        return 0
    return 1 + iteration_axes(node.bodies["body"].outputs[value.index - 1])
