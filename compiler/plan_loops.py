"""Stage 5, plan loops: find the work in a While body that depends only on the iteration
index and loop-invariant values, so it can run batched over windows of P =
parallel_iterations iterations ahead of the recurrent part (DESIGN.md).

The pattern every TF1 RNN cell produces is recognized:

    x_t = input_ta.read(t)                 # input_ta captured (loop-invariant), t += 1
    y   = concat([x_t, h], 1) @ W          # W loop-invariant (a captured variable)

which is y = x_t @ W[:dx] + h @ W[dx:]. The first term of P consecutive steps is one
matrix product [P*batch, dx] @ W[:dx] computed when a window starts; each step then only
multiplies its recurrent part. P = 1 is strictly sequential, with the smallest buffer.
"""


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


def plan_while(node):
    """The input projections of one While node that can be batched (may be empty)."""
    body = node.bodies["body"]
    n = node.attrs["n_vars"]
    counters = _induction_args(body, n)
    invariant = set(a.id for a in body.args[n:])
    written = {v.id for b in body.walk() for v in b.inputs[:1] if b.type in ("Assign", "AssignAdd", "AssignSub")}
    uses = {}
    for b in body.nodes:
        for v in b.inputs:
            uses.setdefault(v.id, []).append(b)
    for v in body.outputs:
        uses.setdefault(v.id, []).append(None)
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
        if len(uses.get(concat.outputs[0].id, [])) != 1 or len(uses.get(read.outputs[0].id, [])) != 1:
            continue
        dx = read.outputs[0].shape.dims[-1] if read.outputs[0].shape.ndims == 2 else None
        if dx is None:
            continue
        readers = uses.get(mm.outputs[0].id, [])
        in_place = all(r is not None and r.type in COPYING_READERS for r in readers)
        plan = InputProjection(mm, concat, read, ta_arg, index, weight, concat.inputs[1], in_place)
        n_cond = len(node.bodies["cond"].args) - n  # inputs: vars, cond captures, body captures
        plan.ta_size = _tensor_array_size(node.inputs[body.args.index(ta_arg) + n_cond])
        plans.append(plan)
    return plans


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
