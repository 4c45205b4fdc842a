"""Static analyses of a program (after optimize and fuse): memory and cost.

memory_analysis: liveness over the program order. A value is live from its producer to its
last consumer; a loop's body adds its own peak while the loop runs; a TensorArray holds
size x element bytes. Sizes come from specialized static shapes; values whose size is only
known at run time are listed and not counted.

cost_analysis: floating-point operations and bytes read and written per node; a loop's body
counts once per iteration, times the trip count when it is bounded by a constant.
"""
import numpy as np

from .fuse import FusedElementwise


def nbytes(value):
    n = value.shape.num_elements()
    if n is None or value.dtype.name == "tensor_array":
        return None
    return n * value.dtype.np.itemsize


def _fmt(n):
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return "%.1f %s" % (n, unit) if unit != "B" else "%d B" % n
        n /= 1024.0


class MemoryAnalysis:
    """Peak bytes of a program and the buffers live at the peak."""

    def __init__(self, peak_bytes, peak_buffers, argument_bytes, variable_bytes, unknown, loops,
                 target, saved=()):
        self.peak_bytes = peak_bytes
        self.peak_buffers = peak_buffers      # [(name, bytes)] live at the peak, largest first
        self.argument_bytes = argument_bytes  # feeds
        self.variable_bytes = variable_bytes  # session variables the program touches
        self.unknown = unknown                # values whose size is known only at run time
        self.loops = loops                    # [(name, parallel_iterations, swap_memory, body peak)]
        self.target = target
        self.saved = list(saved)              # [(loop, bytes per iteration, trips or None)]

    @property
    def saved_activation_bytes(self):
        """Bytes the forward loops keep for the gradient (per-iteration saves x trip count,
        when the trip count is known statically; None otherwise)."""
        totals = [per * trips if trips is not None else None for _, per, trips in self.saved]
        return None if None in totals else sum(totals)

    @property
    def device_peak_without_swap(self):
        """Peak if saved activations stay in device memory (the cpu target has only host
        memory: the same as `peak_bytes`)."""
        return self.peak_bytes

    @property
    def device_peak_with_swap(self):
        """Peak with swap_memory: on the cpu target there is nothing to swap."""
        return self.peak_bytes

    def __str__(self):
        lines = ["peak: %s (temporaries; feeds %s and variables %s are held besides)"
                 % (_fmt(self.peak_bytes), _fmt(self.argument_bytes), _fmt(self.variable_bytes)),
                 "live at the peak:"]
        lines += ["  %-48s %s" % (name, _fmt(b)) for name, b in self.peak_buffers[:12]]
        for name, p, swap, body in self.loops:
            lines.append("loop %s: parallel_iterations=%d swap_memory=%s, body peak %s per "
                         "iteration%s" % (name, p, swap, _fmt(body),
                                          "; nothing to swap on the %s target (host memory)"
                                          % self.target if swap else ""))
        for name, per, trips in self.saved:
            lines.append("loop %s saves %s per iteration for the gradient%s, in host memory "
                         "(on the %s target there is nothing to swap: swap_memory changes "
                         "nothing)" % (name, _fmt(per), " (%s over %d iterations)" % (
                             _fmt(per * trips), trips) if trips is not None else "", self.target))
        if self.unknown:
            lines.append("sizes known only at run time (not counted): %s"
                         % ", ".join(self.unknown[:8]) + (" ..." if len(self.unknown) > 8 else ""))
        return "\n".join(lines)

    __repr__ = __str__


def memory_analysis(fn, target="cpu"):
    unknown, loops = [], []
    peak, buffers = _peak(fn, unknown, loops)
    args = sum(nbytes(v) or 0 for v in fn.args)
    variables = sum(nbytes(n.outputs[0]) or 0 for n in fn.walk() if n.type == "VariableV2")
    saved = [(n.name, _saved_per_iteration(n), _trip_bound(n)) for n in fn.walk()
             if n.type == "While" and n.attrs.get("saved") is not None]
    return MemoryAnalysis(peak, buffers, args, variables, unknown, loops, target, saved)


def _saved_per_iteration(node):
    """Bytes one iteration of While `node` saves for its gradient (extra body outputs)."""
    body = node.bodies["body"]
    return sum(nbytes(v) or 0 for v in body.outputs[node.attrs["n_vars"]:])


def _peak(fn, unknown, loops):
    """(peak bytes, buffers live at the peak) of one function's temporaries."""
    last_use = {}
    for i, node in enumerate(fn.nodes):
        for v in node.inputs:
            last_use[v.id] = i
    for v in fn.outputs:
        last_use[v.id] = len(fn.nodes)
    live, peak, at_peak = {}, 0, []
    for i, node in enumerate(fn.nodes):
        inner, planned = 0, []
        for key, body in node.bodies.items():
            body_peak, _ = _peak(body, unknown, loops)
            inner = max(inner, body_peak)
            if node.type == "While" and key == "body":
                p = node.attrs.get("parallel_iterations", 10)
                planned = _planned_buffers(node, p)
                loops.append((node.name, p, node.attrs.get("swap_memory", False), body_peak))
        inner += sum(b for _, b in planned)
        for v in node.outputs:
            size = _value_bytes(node, v)
            if size is None:
                unknown.append(v.name)
            elif node.type not in ("VariableV2", "Const") and v.id in last_use:
                live[v.id] = (v.name, size)
        total = sum(b for _, b in live.values()) + inner
        if total > peak:
            peak = total
            at_peak = sorted([b for b in list(live.values()) + planned if b[1]], key=lambda x: -x[1])
        for v in node.inputs:
            if last_use.get(v.id) == i:
                live.pop(v.id, None)
    return peak, at_peak


def _planned_buffers(node, p):
    """[(name, bytes)] of the loop planner's buffers in While `node` (compiler/plan_loops.py),
    live while the loop runs: the windows of P steps of each batched input projection (how
    parallel_iterations moves the peak; fewer steps when P of them exceed
    plan_loops.WINDOW_BYTES), and the rows of each deferred weight gradient (one
    per row of the saved stack it multiplies)."""
    from .plan_loops import plan_deferred, plan_while, window_steps
    out = []
    for plan in plan_while(node):
        steps = window_steps(plan, p)
        if plan.ta_size is not None:
            steps = min(steps, plan.ta_size)
        size = nbytes(plan.matmul.outputs[0])
        if size is not None:
            out.append(("window of %s (%d steps)" % (plan.matmul.name, steps), steps * size))
    body = node.bodies["body"]
    n_cond = len(node.bodies["cond"].args) - node.attrs["n_vars"]
    for plan in plan_deferred(node):
        stack = node.inputs[n_cond + body.args.index(plan.stack_arg)]
        total = _value_bytes(stack.node, stack) if stack.node is not None else nbytes(stack)
        row, per = nbytes(plan.slice.outputs[0]), nbytes(plan.grad)
        if total is not None and row and per is not None:
            out.append(("gradient rows of %s (%d steps)" % (plan.matmul.name, total // row),
                        total // row * per))
    return out


def _value_bytes(node, v):
    if node.type == "While" and v.index > node.attrs["n_vars"]:
        # a stack of one saved value per iteration
        trips = _trip_bound(node)
        per = nbytes(node.bodies["body"].outputs[v.index - 1])
        return None if trips is None or per is None else trips * per
    if node.type in ("TensorArrayNew", "TensorArrayGrad"):
        # a new buffer: a gradient array has the size and element shape of its forward one
        from .plan_loops import array_origin
        origin = array_origin(v)
        cell = origin.attrs.get("element_shape_cell") if origin is not None else None
        shape = cell[0] if cell else origin.attrs.get("element_shape") if origin is not None else None
        if shape is None or not shape.is_fully_defined():
            shape = v.shape  # what specialization learned of the elements
        if origin is None or origin.inputs[0].const is None or not shape.is_fully_defined():
            return None
        return int(origin.inputs[0].const) * int(np.prod(shape.as_list(), dtype=np.int64)) * \
            origin.attrs["dtype"].np.itemsize
    if v.dtype.name == "tensor_array":
        return 0  # a new version of an array already counted where it was created
    return nbytes(v)


class CostAnalysis:
    def __init__(self, flops, bytes_accessed, per_type, loops):
        self.flops = flops
        self.bytes_accessed = bytes_accessed
        self.per_type = per_type  # op type -> flops
        self.loops = loops        # [(name, trips or None, body flops per iteration)]

    def __getitem__(self, key):  # JAX-style dict access: cost["flops"]
        return {"flops": self.flops, "bytes accessed": self.bytes_accessed}[key]

    def __str__(self):
        lines = ["flops: %.4g, bytes accessed: %s" % (self.flops, _fmt(self.bytes_accessed))]
        lines += ["  %-20s %.4g flops" % kv for kv in sorted(self.per_type.items(), key=lambda kv: -kv[1])[:10]]
        for name, trips, body in self.loops:
            lines.append("loop %s: %.4g flops per iteration, trips %s" % (
                name, body, trips if trips is not None else "known at run time (counted once)"))
        return "\n".join(lines)

    __repr__ = __str__


def cost_analysis(fn):
    per_type, loops = {}, []
    flops, moved = _cost(fn, per_type, loops, 1)
    return CostAnalysis(flops, moved, per_type, loops)


def _cost(fn, per_type, loops, scale):
    flops = moved = 0
    for node in fn.nodes:
        if node.type == "While":
            trips = _trip_bound(node)
            body_flops, body_moved = _cost(node.bodies["body"], per_type, loops, scale * (trips or 1))
            cond_flops, cond_moved = _cost(node.bodies["cond"], per_type, loops, scale * (trips or 1))
            loops.append((node.name, trips, body_flops + cond_flops))
            flops += (body_flops + cond_flops) * (trips or 1)
            moved += (body_moved + cond_moved) * (trips or 1)
            continue
        if node.bodies:
            sub = [_cost(b, per_type, loops, scale) for b in node.bodies.values()]
            flops += max(f for f, _ in sub)
            moved += max(m for _, m in sub)
            continue
        f = _node_flops(node)
        per_type[node.type] = per_type.get(node.type, 0) + f * scale
        flops += f
        moved += sum(nbytes(v) or 0 for v in list(node.inputs) + list(node.outputs))
    return flops, moved


def _node_flops(node):
    out = node.outputs[0] if node.outputs else None
    n_out = out.shape.num_elements() if out is not None else 0
    if node.type == "MatMul":
        a = node.inputs[0]
        k = a.shape.dims[-2] if node.attrs.get("transpose_a") else a.shape.dims[-1]
        return 2 * (n_out or 0) * (k or 0)
    if isinstance(node, FusedElementwise):
        return (n_out or 0) * len(node.members)
    if node.type in ("Sum", "Prod", "Max", "Min", "Mean", "ArgMax", "ArgMin"):
        return node.inputs[0].shape.num_elements() or 0
    if node.prim.__class__.__module__.endswith("elementwise"):
        return n_out or 0
    return 0


def _trip_bound(node):
    """A constant bound on a While's trips: its cond is `arg_k < c` (maybe and-ed with more)
    where loop variable k starts at 0 and the body adds 1 (TF1's maximum_iterations counter,
    dynamic_rnn's time)."""
    cond = node.bodies["cond"]
    body = node.bodies["body"]
    nodes = [m for n in cond.walk() for m in getattr(n, "members", [n])]
    for n in nodes:
        if n.type != "Less" or n.inputs[1].const is None:
            continue
        arg = n.inputs[0]
        if arg not in cond.args[:node.attrs["n_vars"]]:
            continue
        k = cond.args.index(arg)
        start = node.inputs[k].const
        step = body.outputs[k].node
        if start is not None and int(start) == 0 and step is not None and step.type == "Add" and \
                body.args[k] in step.inputs and any(i.const is not None and int(i.const) == 1
                                                    for i in step.inputs):
            return int(n.inputs[1].const)
    return None
