"""Lowering of While and Cond: the bodies are inlined into the generated function as a
native `while` loop and an `if`, so a whole recurrent loop runs without Python per step.

Loop variables and branch results are kept C-contiguous and of their exact dtype so Numba
gives each one a single type; TensorArrays travel as their four parts.
"""
import contextlib
import re

from rnngraph.primitives.control_flow import ragged_shape_error

from ...plan_loops import (COPYING_READERS, assigned_in, iteration_axes, plan_deferred, plan_while,
                          static_trip_count, window_steps)
from .emitter import NP_DTYPE, TAExpr, int_tuple, lowering, rank
from .kernels import VECTOR_PRODUCT_MAX
from .lower_array import concat_checks, matmul_checks, transposed
from .lower_fused import (EpilogueProduct, copy_row, in_place_outputs, lower_fused, product_epilogue, read_points,
                          result_array)
from .lower_tensor_array import allocated, write_in_place
from .panels import panel_width


def _bind_refs(e, node, fn, offset, count):
    """Body arguments standing for captured variable references stay references."""
    for j in range(count):
        outer = node.inputs[offset + j]
        if outer in e.refs:
            e.refs[fn.args[len(fn.args) - count + j]] = e.refs[outer]


def _new_slot(e, value, expr, hint, owned=False):
    """A fresh name (or TensorArray parts) initialized from `expr`, with a stable type;
    `owned`: a copy of expr's array (the loop overwrites it: CarriedArray)."""
    if isinstance(expr, TAExpr):
        parts = [e.assign("%s_%s" % (hint, p), x) for p, x in zip(("buf", "written", "cleared", "n"), expr.parts())]
        return expr.with_parts(parts)
    return e.assign(hint, "(%s).copy()" % expr if owned else _stable(value, expr))


def _stable(value, expr):
    if rank(value) == 0:
        return "%s(%s)" % (NP_DTYPE[value.dtype], expr)
    return "kernels.contiguous(%s)" % expr


def _store(e, slots, values, exprs):
    """Simultaneous assignment of new values to the slots (loop-carried or branch results).
    A slot that keeps its value is left out, and the rest are assigned one by one where no
    source reads a slot assigned before it: a tuple assignment costs Numba four atomic
    reference-count operations per array it carries (build, unpack, release), and most of
    a loop's carried TensorArray parts never change."""
    targets, sources = [], []
    for slot, v, x in zip(slots, values, exprs):
        pairs = zip(slot.parts(), x.parts()) if isinstance(slot, TAExpr) else [
            (slot, x if x == slot else _stable(v, x))]
        for target, source in pairs:
            if source != target:
                targets.append(target)
                sources.append(source)
    if any(re.search(r"\b%s\b" % re.escape(t), x) for k, t in enumerate(targets) for x in sources[k + 1:]):
        e.line("%s = %s" % (", ".join(targets), ", ".join(sources)))
        return
    for target, source in zip(targets, sources):
        e.line("%s = %s" % (target, source))


@lowering("While")
def lower_while(e, node, ins):
    n = node.attrs["n_vars"]
    cond, body = node.bodies["cond"], node.bodies["body"]
    n_cond = len(cond.args) - n
    n_body = len(body.args) - n
    _bind_refs(e, node, cond, n, n_cond)
    _bind_refs(e, node, body, n + n_cond, n_body)
    cond_caps, body_caps = ins[n:n + n_cond], ins[n + n_cond:]
    for plan in plan_while(node):
        outer_weight = body_caps[body.args.index(plan.weight) - n] if plan.weight in body.args[n:] else None
        _windowed_projection(e, plan, window_steps(plan, node.attrs.get("parallel_iterations", 10)),
                             outer_weight)
    deferred = [(plan, _deferred_product(e, plan, body_caps[body.args.index(plan.stack_arg) - n]))
                for plan in plan_deferred(node)]
    products = _hoist_invariant_weights(e, body, body_caps, n) if HOIST_INVARIANT_WEIGHTS else []
    carried = {k for k, m in carried_in_place(node, products).items()
               if m in products or m not in e.overrides and m not in e.skipped}
    slots = [_new_slot(e, v, x, "loop_%s" % (v.name or "v"), k in carried)  # carried: arrays of their own
             for k, (v, x) in enumerate(zip(node.outputs, ins[:n]))]
    # TensorArrays the body reads or writes are allocated before the loop, not in it
    slots = [allocated(e, x) if isinstance(x, TAExpr) else x for x in slots]
    body_caps = [allocated(e, x) if isinstance(x, TAExpr) else x for x in body_caps]
    saving = node.attrs.get("saved") is not None
    if saving:
        trips = e.assign("trips", "np.int64(0)")
        rows = static_trip_count(node)  # else the stacks grow by doubling as they fill
        stacks = [e.assign("saved", "kernels.empty(%s, %s)" % (
            int_tuple([rows or 0] + [d or 0 for d in v.shape.dims[:rank(v)]]), NP_DTYPE[v.dtype]))
                  for v in body.outputs[n:]]  # rows of the value's shape (known dims) from the start
        final = [rows is not None and v.shape.is_fully_defined() and not iteration_axes(v)
                 for v in body.outputs[n:]]  # a stack allocated at its final size never grows
        _save_in_place(e, body, body.outputs[n:], stacks, trips, final)
    # A small loop variable the body also writes into a TensorArray stays in its own array
    # (the write copies it by a loop nest); a large one is computed in the array's row, and
    # the loop variable is that row (rebound every step: a view and a few atomic
    # reference-count operations, less than copying it).
    _carry_in_place(e, body, slots, [k for k in carried if body.outputs[k].shape.num_elements() <= CARRIED_COPY_MAX])
    write_in_place(e, body)
    _carry_in_place(e, body, slots, carried)
    with e.block("while True:"):
        (c,) = e.emit_function(cond, slots + list(cond_caps))
        with e.block("if not %s:" % c):
            e.line("break")
        if saving:  # loop variables saved as they enter the step, before it may overwrite them
            saved = list(zip(stacks, body.outputs[n:], final))
            entering = [(buf, v, slots[body.args.index(v)], fixed) for buf, v, fixed in saved if v in body.args[:n]]
            _save_rows(e, node, trips, entering)
        outs = e.emit_function(body, slots + list(body_caps))
        if saving:
            _save_rows(e, node, trips, [(buf, v, x, fixed) for (buf, v, fixed), x in zip(saved, outs[n:])
                                        if v not in body.args[:n]])
            e.line("%s += 1" % trips)
        _store(e, slots, node.outputs, outs[:n])
    for plan, (stack, rows, touched) in deferred:
        e.line("%s = kernels.add_product_t(%s, %s, %s, %s)" % (slots[plan.index], slots[plan.index], stack, rows,
                                                            touched))
    if not saving:
        return slots
    return slots + [e.assign("trip_count", "np.int32(%s)" % trips)] + [
        e.assign("stacked", "%s[:%s]" % (b, trips)) for b in stacks]


def _save_rows(e, node, trips, items):
    """Store saved values (for the gradient) in row `trips` of their stacks, growing those
    not allocated at their final size; items: (stack, Value, expression, final)."""
    for buf, v, x, fixed in items:
        in_place = v in e.placed and isinstance(e.destinations[v], _StackRow) and \
            e.destinations[v].stack == buf
        if fixed and in_place:
            continue  # computed in its row
        axes = iteration_axes(v)
        if rank(v) > 0 and not fixed:
            e.fail_if("%s > 0 and %s.shape[%d:] != %s.shape[%d:]" % (trips, buf, axes + 1, x, axes),
                      node, "UnimplementedError", lambda vals, v=v: ragged_shape_error(v))
        if axes:
            e.line("%s = kernels.push_padded_row(%s, %s, %s, %d)" % (buf, buf, trips, x, axes))
        elif in_place:
            with e.block("if %s >= %s.shape[0]:" % (trips, buf)):  # else it is there already
                e.line("%s = kernels.push_row(%s, %s, %s)" % (buf, buf, trips, x))
        elif rank(v) == 0 or x.isidentifier():
            _copy_row(e, v, buf, trips, x, fixed)
        else:
            e.line("%s = kernels.push_row(%s, %s, %s)" % (buf, buf, trips, x))


def _copy_row(e, v, buf, trips, x, fixed):
    """buf[trips] = x (x a name, or any scalar expression) by a loop nest: always for a
    stack at its final size (`fixed`), else where the stack has room for x, and push_row
    (push_scalar) where it has not (lower_fused.copy_row: no kernel call); and a stack
    that the loop never reassigns is not a loop-carried variable, whose every iteration
    costs a few more atomic reference-count operations."""
    dims = v.shape.dims[:rank(v)]
    fits = "%s < %s.shape[0]" % (trips, buf) + (" and %s.shape[1:] == %s.shape" % (buf, x) if dims else "")
    with contextlib.ExitStack() as nest:
        if not fixed:
            nest.enter_context(e.block("if %s:" % fits))
        copy_row(e, buf, trips, x, dims)
    if not fixed:
        with e.block("else:"):
            e.line("%s = kernels.%s(%s, %s, %s)" % (buf, "push_row" if dims else "push_scalar", buf, trips, x))


class _StackRow:
    """The destination of a saved value: row `trips` of its stack (while the stack has
    room, unless it is at its `final` size; else a fresh array, pushed as usual)."""

    def __init__(self, stack, trips, final):
        self.stack, self.trips, self.final = stack, trips, final

    def resolve(self, e, hint, fresh):
        if self.final:  # always the row: written through the stack, no view (e.lazy)
            return e.lazy(hint, "%s[%s]" % (self.stack, self.trips), (self.stack, self.trips))
        return e.assign(hint, "%s[%s] if %s < %s.shape[0] else %s" % (
            self.stack, self.trips, self.trips, self.stack, fresh))


# Elements of a loop variable below which it stays in its own array even where the body
# writes it into a TensorArray (copying 1,024 floats takes about as long as the atomic
# operations of rebinding the variable to the array's row).
CARRIED_COPY_MAX = 1024

# Readers that leave no reference to the array they read (their results are new arrays).
LEAVE_NO_REFERENCE = COPYING_READERS | {"MatMul", "Concat", "TensorArrayWrite"}


def carried_in_place(node, products=()):
    """The loop variables k of While `node` whose new value the body computes over the
    variable's own array: no new array per iteration and no assignment (the backward loop
    of an LSTM carries its state gradients so). Body output k is written by a loop nest
    (in_place_outputs), or by a product into an array it is given (`products`), in an
    array of arg k's shape and dtype; every other reader of arg k runs before that writer
    and keeps no reference to it (LEAVE_NO_REFERENCE), no loop variable takes arg k as
    its value (saving it is fine: lower_while saves the loop variables a gradient needs as
    they enter the step), and a loop nest writing it reads arg k only at the point it
    writes (read_points). The new value is no other loop variable's, and what else reads
    it keeps no reference to it. Such a variable gets an array of its own on entry (the
    initial value is the caller's). Returns {k: the node writing it}."""
    n = node.attrs["n_vars"]
    body = node.bodies["body"]
    readers = body.readers()
    order = {m.id: j for j, m in enumerate(body.nodes)}
    writer = {v.id: m for m in body.nodes for v in in_place_outputs(m)}
    writer.update((m.outputs[0].id, m) for m in products)
    carried = {}
    for k in range(n):
        arg, v = body.args[k], body.outputs[k]
        m = writer.get(v.id)
        if m is None or not v.shape.ndims or arg.shape.as_list() != v.shape.as_list() or arg.dtype != v.dtype:
            continue
        zero = {(0,) * v.shape.ndims}
        if arg not in body.outputs[:n] and \
                all(r is None or r is m and m not in products and read_points(m, arg) == zero or
                    r is not m and order[r.id] < order[m.id] and r.type in LEAVE_NO_REFERENCE
                    for r in readers.get(arg.id, [])) and \
                [j for j, w in enumerate(body.outputs[:n]) if w is v] == [k] and \
                all(r is None or r.type in LEAVE_NO_REFERENCE for r in readers.get(v.id, [])):
            carried[k] = m
    return carried


def _carry_in_place(e, body, slots, indices):
    """Loop variables k in `indices` (carried_in_place) without a destination yet are
    computed in their own arrays."""
    for k in indices:
        if body.outputs[k] not in e.destinations:
            e.destinations[body.outputs[k]] = CarriedArray(slots[k])


class CarriedArray:
    """The destination of a loop variable's new value computed over the variable's own
    array (carried_in_place): the slot's name."""

    def __init__(self, slot):
        self.slot = slot

    def resolve(self, e, hint, fresh):
        return self.slot


def _save_in_place(e, body, values, stacks, trips, final):
    """A saved value that a loop nest of the body computes (in_place_outputs) is written straight into
    its stack's row (lower_fused.emit_loop) instead of being copied there after the step:
    the training forward of an LSTM saved six of its loop's seven outputs by copies. Only
    for static shapes, so that the stack's rows have the value's shape from the start; a
    stack that grows (no static trip count) takes the copy until it has room."""
    fused = {v.id for node in body.nodes for v in in_place_outputs(node)}
    for v, buf, fixed in zip(values, stacks, final):
        if v.id in fused and rank(v) > 0 and \
                v.shape.is_fully_defined() and not iteration_axes(v) and v not in e.destinations:
            e.destinations[v] = _StackRow(buf, trips, fixed)


@lowering("Cond")
def lower_cond(e, node, ins):
    then_fn, else_fn = node.bodies["then_branch"], node.bodies["else_branch"]
    n_then = len(then_fn.args)
    _bind_refs(e, node, then_fn, 1, n_then)
    _bind_refs(e, node, else_fn, 1 + n_then, len(else_fn.args))
    slots = []
    with e.block("if %s:" % ins[0]):
        outs = _with_saved(e, node, "then_branch", e.emit_function(then_fn, ins[1:1 + n_then]))
        for v, x in zip(node.outputs, outs):
            slots.append(_new_slot(e, v, x, "cond_%s" % (v.name or "v")))
    with e.block("else:"):
        outs = _with_saved(e, node, "else_branch", e.emit_function(else_fn, ins[1 + n_then:]))
        _store(e, slots, node.outputs, outs)
    return slots


def _with_saved(e, node, branch, outs):
    """A branch's results followed by the saved values: its own, and zeros for those of the
    other branch (never read: their gradient branch does not run)."""
    saved = node.attrs.get("saved")
    if saved is None:
        return outs
    n = len(node.attrs["output_specs"])
    mine = iter(outs[n:])
    result = list(outs[:n])
    for (b, _), v in zip(saved, node.outputs[n:]):
        if b == branch:
            result.append(next(mine))
        elif rank(v) == 0:
            result.append("%s(0)" % NP_DTYPE[v.dtype])
        else:
            result.append("kernels.zeros(%s, %s)" % (int_tuple(d or 0 for d in v.shape.dims),
                                                   NP_DTYPE[v.dtype]))
    return result


def _windowed_projection(e, plan, p, outer_weight):
    """Replace `concat([x_t, h]) @ W` by `h @ W[dx:] + window[t]`, where window holds
    x_t @ W[:dx] for P consecutive steps (plan_loops.window_steps), computed by one matrix
    product (into the same buffer, reused) when t leaves it. Each step adds its recurrent
    product into its window row in place when nothing but elementwise ops reads the result
    (they copy it out before the window is overwritten); otherwise into a new array. A
    loop-invariant W (`outer_weight`, its expression outside the loop) is packed for
    panels.py's kernel once, before the loop (its recurrent part only for a step of more
    than one row: _one_row). When the product's only reader is a cell's elementwise loop
    that can compute it (lower_fused.product_epilogue), the loop's threads do."""
    dtype = NP_DTYPE[plan.matmul.outputs[0].dtype]
    # at its size when that is static: the loop then never rebinds it (a variable a loop
    # rebinds costs Numba atomic reference-count operations every iteration)
    fixed = plan.matmul.outputs[0].shape.is_fully_defined()
    win = e.assign("window", "kernels.empty(%s, %s)" % (
        int_tuple([p] + plan.matmul.outputs[0].shape.as_list() if fixed else (0, 1, 1)), dtype))
    start = e.assign("window_start", "np.int64(0)")
    end = e.assign("window_end", "np.int64(-1)")
    dx = plan.read.outputs[0].shape.dims[-1]
    if not plan.keep_concat:
        e.overrides[plan.concat] = _checks_only
    panels = PANEL_PRODUCTS and outer_weight is not None and plan.weight.shape.is_fully_defined()
    step_panels = panels and not _one_row(plan.rest)
    if panels:
        n = plan.weight.shape.dims[1]
        x_panels = e.assign("input_panels", "kernels.pack_panels(%s[:%d])" % (outer_weight, dx))
    if step_panels:
        h_panels = e.assign("recurrent_panels", "kernels.pack_panels(%s[%d:])" % (outer_weight, dx))
    elif outer_weight is not None:  # the view taken once, not every step
        recurrent_weight = e.assign("recurrent_weight", "%s[%d:]" % (outer_weight, dx))
    product = plan.matmul.outputs[0]
    offsets = None
    if plan.in_place and step_panels and plan.epilogue is not None:
        offsets = product_epilogue(plan.epilogue, product, plan.weight.shape.dims[0] - dx)
    if offsets is not None:
        recurrent = {}  # the expression of h, set when the product's turn comes

        def emit_epilogue(e, node, ins):
            return lower_fused(e, node, ins, EpilogueProduct(product, recurrent["h"], h_panels, True, offsets))
        e.overrides[plan.epilogue] = emit_epilogue

    def rest_of(w):
        """W[dx:], the recurrent part of the weight (expression w in the body)."""
        return recurrent_weight if outer_weight is not None and not step_panels else "%s[%d:]" % (w, dx)

    def emit(e, node, ins):
        t = e.expr(plan.counter_arg)
        ta = e.expr(plan.ta_arg)
        w = e.expr(plan.weight)
        h = e.expr(plan.rest)
        matmul_checks(e, node, ["%s.shape[0]" % h, "(%d + %s.shape[1])" % (dx, h)],
                      ["%s.shape[0]" % w, "%s.shape[1]" % w])
        with e.block("if %s >= %s:" % (t, end)):
            e.line("%s = np.int64(%s)" % (start, t))
            e.line("%s = %s + %d" % (end, start, p))  # (no min(): Numba would compile it)
            with e.block("if %s > %s:" % (end, ta.size)):
                e.line("%s = %s" % (end, ta.size))
            project = "kernels.project_window_panels(%s[%s:%s], %s, %d, %s)" % (
                ta.buf, start, end, x_panels, n, win) if panels else \
                "kernels.project_window(%s[%s:%s], %s[:%d], %s)" % (ta.buf, start, end, w, dx, win)
            e.line(project if fixed else "%s = %s" % (win, project))  # (fixed: it is the window)
        row = e.assign("window_row", "%s[%s - %s]" % (win, t, start))
        if offsets is not None:
            recurrent["h"] = h  # its reader computes the product (emit_epilogue)
            return [row]
        if plan.in_place:
            if step_panels:
                e.line("kernels.panel_product(%s, %s, %s, True)" % (h, h_panels, row))
            elif _one_row(plan.rest) and plan.weight.shape.is_fully_defined() and \
                    (plan.weight.shape.dims[0] - dx) * plan.weight.shape.dims[1] <= VECTOR_PRODUCT_MAX:
                # called directly: no tuple of arguments (a call through the table builds
                # one, six atomic reference-count operations per step)
                e.line("kernels.row_times_matrix(%s, %s, %s, %s)" % (
                    h, rest_of(w), row, e.literal(1, plan.matmul.outputs[0].dtype)))
            else:
                e.line("kernels.gemm_into(%s, %s, %s, False, False, 1.0)" % (h, rest_of(w), row))
            return [row]
        product = "kernels.panel_matmul_add(%s, %s, %s)" % (h, h_panels, row) if step_panels else \
            "kernels.matmul_add(%s, %s, %s)" % (h, rest_of(w), row)
        return [e.assign(node.outputs[0].name or "matmul", product)]
    e.overrides[plan.matmul] = emit


def _checks_only(e, node, ins):
    """A planned-away concat: not made, but its checks run (a fed initial state whose batch
    differs from the inputs' is still TF1's ConcatOp error, not a product's)."""
    concat_checks(e, node, ins)
    return [None]


# Whether loop-invariant matrices a loop multiplies by are packed once before the loop and
# multiplied by panels.py's kernel instead of BLAS (a module switch for A/B runs).
PANEL_PRODUCTS = True


def _one_row(a):
    """Whether `a @ W` has one row (a batch-1 step): kernels.gemm_into multiplies it by
    W as it is (kernels.row_times_matrix, 0.63 microseconds at 1x64 @ 64x256), faster than
    a call into the panel product over W packed (1.0), so W is not packed for it."""
    return a.shape.ndims == 2 and a.shape.dims[0] == 1


# Whether loop-invariant matrices a loop body multiplies by are prepared once before the
# loop (see _hoist_invariant_weights).
HOIST_INVARIANT_WEIGHTS = True


def _hoist_invariant_weights(e, body, body_caps, n):
    """`x @ W` or `g @ W^T` in a loop body, W loop-invariant (a cell's product outside the
    windowed projection; each backward step of an RNN multiplies its gate gradient by the
    transposed recurrent weights): op(W) is packed into panels once before the loop and
    each step multiplies by them (panels.py), instead of packing per step (a one-row
    `x @ W` is left to gemm_into: _one_row). Without panel products, only W^T is hoisted,
    made contiguous: OpenBLAS multiplies a transposed
    operand more slowly at these shapes (the medium LSTM's step: 212 vs 136 microseconds).
    Only with static shapes that agree (the product's run-time shape check is the MatMul
    lowering's, which this replaces)."""
    written = assigned_in(body)
    captured = {a.id: j for j, a in enumerate(body.args) if j >= n}
    products = []  # the MatMuls now computed by panel_product where their value goes
    for mm in body.nodes:
        a, b = mm.inputs[:2] if mm.type == "MatMul" else (None, None)
        tb = bool(mm.attrs.get("transpose_b"))
        if mm.type != "MatMul" or mm in e.overrides or mm.attrs.get("transpose_a") or \
                not (tb or (PANEL_PRODUCTS and "b_rows" not in mm.attrs and not _one_row(a))) or \
                b.id not in captured or b.id in written or \
                not a.dtype.is_floating or rank(a) != 2 or rank(b) != 2 or \
                not (a.shape.is_fully_defined() and b.shape.is_fully_defined()) or \
                a.shape.dims[1] != b.shape.dims[1 if tb else 0]:
            continue
        w = e.assign("weight", body_caps[captured[b.id] - n])
        if "b_rows" in mm.attrs:
            w = e.assign("weight_rows", "%s[%d:%d]" % ((w,) + tuple(mm.attrs["b_rows"])))
        if PANEL_PRODUCTS:
            rows = mm.attrs.get("b_rows", (0, b.shape.dims[0]))
            columns = rows[1] - rows[0] if tb else b.shape.dims[1]
            packed = e.assign("weight_t_panels" if tb else "weight_panels",
                              "kernels.pack_panels(%s%s)" % (w, ".T" if tb else ""))
            product = "kernels.panel_matmul(%%s, %s, %d)" % (packed, columns)
        else:
            packed = None
            w_t = e.assign("weight_t", transposed(w, (1, 0)))
            product = "kernels.matmul(%%s, %s, False, False)" % w_t

        def emit(e, node, ins, product=product, packed=packed):
            out = node.outputs[0]
            if packed is None or out not in e.destinations:
                return [e.assign(out.name or "matmul", product % ins[0])]
            target = result_array(e, out, out.name or "matmul")  # where it goes (CarriedArray, a row)
            e.line("kernels.panel_product(%s, %s, %s, False)" % (ins[0], packed, target))
            return [target]
        e.overrides[mm] = emit
        if packed is not None:
            products.append(mm)
    return products


def _deferred_product(e, plan, stack):
    """Each step adds its g [batch, n] into rows r*batch.. of a [rows*batch, n] buffer, kept
    in panels.py's packed layout and written first where no step wrote yet (`touched`),
    instead of adding stack[r]^T @ g to the loop variable, which passes through the loop
    unchanged; lower_while adds stack^T @ buffer after the loop (plan_loops.DeferredProduct)."""
    batch, n = plan.grad.shape.as_list()
    nr = panel_width(plan.grad.dtype.np)
    rows = e.assign("deferred_rows", "kernels.empty(%s, %s)" % (
        int_tuple([-(-n // nr), "%s.shape[0] * %d" % (stack, batch), nr]), NP_DTYPE[plan.grad.dtype]))
    touched = e.assign("deferred_touched", "kernels.zeros(%s.shape[0], np.bool_)" % stack)

    def accumulate(e, node, ins):
        r = e.expr(plan.row)
        e.line("kernels.add_into_panel_rows(%s, %s, %s, %s)" % (rows, touched, r, e.expr(plan.grad)))
        return [None]

    def pass_through(e, node, ins):
        return [e.expr(plan.acc_arg)]
    e.overrides[plan.matmul] = accumulate
    e.overrides[plan.add] = pass_through
    return stack, rows, touched
