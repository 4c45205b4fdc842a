"""Stage 1, prune: the ops a run needs, in execution order.

Walks back from the fetched tensors and target ops through data and control inputs,
stopping at fed tensors (their producers run only if needed for something else). Ops are
created after their inputs and control inputs, so creation order is a topological order.
"""
from rnngraph.errors import InvalidArgumentError
from rnngraph.primitives.state import placeholder_message


def prune(fetch_tensors, target_ops, fed_tensors):
    """Return the needed Operations sorted in creation (= topological) order."""
    fed = set(fed_tensors)
    needed = set()
    work = [t.op for t in fetch_tensors if t not in fed] + list(target_ops)
    while work:
        op = work.pop()
        if op in needed or (op.outputs and all(t in fed for t in op.outputs) and not op.primitive.stateful):
            continue  # reached by a control edge, but its outputs are fed: nothing to run
        needed.add(op)
        work.extend(t.op for t in op.inputs if t not in fed)
        work.extend(op.control_inputs)
    ops = sorted(needed, key=lambda o: o._id)
    for op in ops:
        if op.type == "Placeholder":
            raise InvalidArgumentError(op=op, message=placeholder_message(
                op.name, op.attrs["dtype"], op.outputs[0].shape))
    return ops
