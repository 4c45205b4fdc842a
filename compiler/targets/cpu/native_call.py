"""Calls from a program to its outlined functions through function pointers.

Why: a Numba function that calls another links the callee's code into its own module, and
LLVM turns the whole module into machine code: every outlined loop was translated again
in each program that called it (late_link.py already keeps it out of the caller's
optimization). Called through a pointer, the callee's machine code is the one its own
compile made (or Numba's disk cache loaded), and the program's module holds only the
program.

How: the program calls `call_native(module.outlined, fptrs, slot, (args...))` (outline.py
numbers the slots). Typing compiles the callee for the argument types, as a direct call
would; lowering loads `fptrs[slot]` and calls it with Numba's own calling convention
(status and exceptions propagate as from a direct call). The program's executable fills
`fptrs` before the first run (`fill`): the callee and signature of each slot are
attached to the compiled program as `reload_init` entries (`_slot`), which Numba keeps
in the CompileResult and writes to its disk cache with the code, so a program loaded from
the cache knows its callees without being typed again, and its table can never disagree
with its code.

Touches Numba internals: the calling convention (`context.call_conv`), the active code
library's `_reload_init` and CompileResult.reload_init.
"""
import functools

import numpy as np
from numba import types
from numba.core import cgutils, config
from numba.extending import intrinsic


def _slot(module, slot, signature):
    """A program's reload_init entry: its data names a slot's callee (run on reload: no-op)."""


if config.DISABLE_JIT:
    def call_native(fn, fptrs, slot, args):
        """Interpreted (NUMBA_DISABLE_JIT): a plain call."""
        return fn(*args)
else:
    @intrinsic(prefer_literal=True)
    def call_native(typingctx, fn, fptrs, slot, args):
        """`fn(*args)` through the pointer `fptrs[slot]` (fn: an outlined function's
        dispatcher; slot: a literal integer; args: a tuple)."""
        if not (isinstance(fn, types.Dispatcher) and isinstance(slot, types.IntegerLiteral)
                and isinstance(args, types.BaseTuple)):
            return None
        arg_types = tuple(args.types)
        fn.dispatcher.compile(arg_types)
        restype = fn.dispatcher.overloads[arg_types].signature.return_type
        module, index = fn.dispatcher.py_func.__module__, slot.literal_value

        def codegen(context, builder, signature, llargs):
            context.active_code_library._reload_init.add(
                functools.partial(_slot, module, index, arg_types))
            table = context.make_array(signature.args[1])(context, builder, llargs[1])
            address = builder.load(cgutils.gep(builder, table.data, index))
            values = [builder.extract_value(llargs[3], i) for i in range(len(arg_types))]
            fnty = context.call_conv.get_function_type(restype, arg_types)
            status, result = context.call_conv.call_function(
                builder, builder.inttoptr(address, fnty.as_pointer()), restype, arg_types, values)
            with cgutils.if_unlikely(builder, status.is_error):
                context.call_conv.return_status_propagate(builder, status)
            return result
        return restype(fn, fptrs, slot, args), codegen


def slot_table(compile_result):
    """{slot: (callee module name, argument types)} of a compiled program (freshly compiled
    or loaded from Numba's cache)."""
    table = {}
    for entry in compile_result.reload_init or ():
        if isinstance(entry, functools.partial) and entry.func is _slot:
            module, slot, signature = entry.args
            table[slot] = (module, signature)
    return table


def fill(fptrs, table, load_module):
    """Write the entry point of each slot of `table` into `fptrs` (int64, a slot each) and
    return the dispatchers they belong to (kept alive with the program). A slot that no
    lowered call uses (Numba pruned it) keeps its 0. `load_module(name)` imports a
    generated module."""
    callees = []
    for slot, (module, signature) in table.items():
        if not 0 <= slot < fptrs.size:
            raise ValueError("a compiled program calls slot %d of %d" % (slot, fptrs.size))
        dispatcher = load_module(module).outlined
        dispatcher.compile(signature)
        result = dispatcher.overloads[signature]
        fptrs[slot] = result.library.get_pointer_to_function(result.fndesc.llvm_func_name)
        callees.append(dispatcher)
    return callees
