"""Calls from a program to its outlined functions and its large kernels through function
pointers.

Why: a Numba function that calls another links the callee's code into its own module, and
LLVM turns the whole module into machine code: every outlined loop was translated again
in each program that called it (late_link.py already keeps it out of the caller's
optimization), and so was every large kernel (ta_scatter, gather_mid, concat, ...: more
than half the machine code of a small program, a sixth of a gradient program's compile).
Called through a pointer, the callee's machine code is the one its own compile made (or
Numba's disk cache loaded), and the program's module holds only the program. An outlined
function the program calls gets its own range of the table (`ktab`, slots numbered from
0) for its large kernels; functions nested deeper link theirs, and every function links
the small kernels (scalar math, allocation, views), which LLVM inlines.

How: the program calls `call_native(module.outlined, fptrs, slot, (args...))` (outline.py
numbers the slots) and `call_native(kernels.NAME, fptrs, slot, (args...))` for each
kernel of LARGE_KERNELS (`through_table` rewrites a program's lines, and an outlined
function's with `ktab` for `fptrs`; the emitter numbers the slots). Typing compiles the
callee for the argument types, as a direct call would; lowering loads `fptrs[slot]` and
calls it with Numba's own calling convention (status and exceptions propagate as from a
direct call). The program's executable fills
`fptrs` before the first run (`fill`): the callee and signature of each slot are
attached to the compiled program as `reload_init` entries (`_slot`), which Numba keeps
in the CompileResult and writes to its disk cache with the code, so a program loaded from
the cache knows its callees without being typed again, and its table can never disagree
with its code. A callee's range is filled from that callee's own entries
(CpuExecutable._link).

Touches Numba internals: the calling convention (`context.call_conv`), the active code
library's `_reload_init` and CompileResult.reload_init.
"""
import functools
import re

import numpy as np
from numba import types
from numba.core import cgutils, config
from numba.extending import intrinsic


# Kernels (of kernels.py and panels.py) that work on whole arrays, so that calling them
# through a pointer costs nothing next to their work, and whose code is large: most are
# above the 1,000 LLVM instructions from which late_link already keeps a callee out of its
# caller's optimization (measured: concat, transpose, pack_panels 1,200; panel_matmul
# 1,400; ta_scatter 3,600; assign, gather_mid, push_row 4,300-4,700; sum_cols 470). Not
# the scalar helpers of elementwise loops, nor allocation and views: those are inlined.
LARGE_KERNELS = (
    "add_index", "add_into_panel_rows", "add_product_t", "assign", "concat", "gather_mid",
    "gemm_into", "matmul", "pack_panels", "panel_matmul", "project_window_panels", "push_row",
    "push_scalar", "reverse_sequence_2d", "segment_sum", "set_index", "sum_cols",
    "sum_to_shape", "ta_gather", "ta_scatter", "ta_scatter_adopting", "tile_mid", "transpose")
_LARGE_CALL = re.compile(r"\bkernels\.(%s)\(" % "|".join(LARGE_KERNELS))


def through_table(text, new_slot, table="fptrs"):
    """`text` (a line of generated code) with each call `kernels.NAME(args)` of a kernel of
    LARGE_KERNELS made through a table of entry points: `call_native(kernels.NAME, table,
    k, (args, ))`, k = new_slot(NAME) (calls in its arguments too)."""
    out, start = [], 0
    while True:
        match = _LARGE_CALL.search(text, start)
        if match is None:
            return "".join(out) + text[start:]
        depth, end = 1, match.end()
        while depth:  # the call's closing parenthesis
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            end += 1
        args = through_table(text[match.end():end - 1], new_slot, table)
        out += [text[start:match.start()], "call_native(kernels.%s, %s, %d, (%s))" % (
            match.group(1), table, new_slot(match.group(1)), args + ", " if args.strip() else "")]
        start = end


def _slot(module, slot, signature, name):
    """A program's reload_init entry: its data names a slot's callee (run on reload: no-op)."""


if config.DISABLE_JIT:
    def call_native(fn, fptrs, slot, args):
        """Interpreted (NUMBA_DISABLE_JIT): a plain call."""
        return fn(*args)
else:
    @intrinsic(prefer_literal=True)
    def call_native(typingctx, fn, fptrs, slot, args):
        """`fn(*args)` through the pointer `fptrs[slot]` (fn: the dispatcher of an outlined
        function or a kernel; slot: a literal integer; args: a tuple). Compiled for the
        arguments' non-literal types, as kernel_jit's dispatcher does."""
        if not (isinstance(fn, types.Dispatcher) and isinstance(slot, types.IntegerLiteral)
                and isinstance(args, types.BaseTuple)):
            return None
        given = tuple(args.types)
        arg_types = tuple(types.unliteral(t) for t in given)
        fn.dispatcher.compile(arg_types)
        restype = fn.dispatcher.overloads[arg_types].signature.return_type
        module, index = fn.dispatcher.py_func.__module__, slot.literal_value
        name = fn.dispatcher.py_func.__name__

        def codegen(context, builder, signature, llargs):
            context.active_code_library._reload_init.add(
                functools.partial(_slot, module, index, arg_types, name))
            table = context.make_array(signature.args[1])(context, builder, llargs[1])
            address = builder.load(cgutils.gep(builder, table.data, index))
            values = [context.cast(builder, builder.extract_value(llargs[3], i), given[i], arg_types[i])
                      for i in range(len(arg_types))]
            fnty = context.call_conv.get_function_type(restype, arg_types)
            status, result = context.call_conv.call_function(
                builder, builder.inttoptr(address, fnty.as_pointer()), restype, arg_types, values)
            with cgutils.if_unlikely(builder, status.is_error):
                context.call_conv.return_status_propagate(builder, status)
            return result
        return restype(fn, fptrs, slot, args), codegen


def slot_table(compile_result):
    """{slot: (callee module name, function name, argument types)} of a compiled program
    (freshly compiled or loaded from Numba's cache)."""
    table = {}
    for entry in compile_result.reload_init or ():
        if isinstance(entry, functools.partial) and entry.func is _slot:
            module, slot, signature, name = entry.args
            table[slot] = (module, name, signature)
    return table


def fill(fptrs, table, load_module):
    """Write the entry point of each slot of `table` into `fptrs` (int64, a slot each) and
    return the dispatchers they belong to (kept alive with the program). A slot that no
    lowered call uses (Numba pruned it) keeps its 0. `load_module(name)` imports a module
    (a generated one, or the kernels')."""
    callees = []
    for slot, (module, name, signature) in table.items():
        if not 0 <= slot < fptrs.size:
            raise ValueError("a compiled program calls slot %d of %d" % (slot, fptrs.size))
        dispatcher = getattr(load_module(module), name)
        dispatcher.compile(signature)
        result = dispatcher.overloads[signature]
        fptrs[slot] = result.library.get_pointer_to_function(result.fndesc.llvm_func_name)
        callees.append(dispatcher)
    return callees
