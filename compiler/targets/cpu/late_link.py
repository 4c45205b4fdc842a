"""Link large callees (outlined functions, big kernels) into their callers after the
caller is optimized.

Numba links the machine-independent code of every function a jitted function calls into the
caller's module and then runs LLVM's whole optimization pipeline on the result, so that
small callees can be inlined. For large callees that is pure cost: they are never inlined
(far above LLVM's inlining threshold), were already optimized when they were compiled, and
the caller optimized them again: the outlined loops (outline.py) were about a quarter of a
gradient program's compile time, and kernels such as push_row, assign or gather_mid (with
the NumPy code they link: 1,000-4,500 instructions each) were most of the rest of a small
outlined loop's module. This wraps Numba's `CPUCodeLibrary.finalize` so that libraries of
functions named `outlined` (called from another outlined function: the program calls them
through pointers, native_call.py), and every library of more than LATE_LINK_INSTRUCTIONS
instructions, are linked after the caller's own optimization; small callees (elementwise
helpers such as tanh_f32, `empty`, `contiguous`, `reshape`) are linked before it, as Numba
does, and are inlined where LLVM sees fit.

It touches Numba internals (`_linking_libraries`, `_optimize_final_module`,
`_get_module_for_linking`); on a Numba without them nothing is changed and compiling is
only slower.
"""
from numba.core.codegen import CPUCodeLibrary

OUTLINED_NAME = "outlined"

# A callee library larger than this is linked after its caller is optimized (measured:
# elementwise helpers and allocation wrappers are 150-500 instructions, the kernels whose
# re-optimization dominated compile time 1,000-4,500).
LATE_LINK_INSTRUCTIONS = 1000


def _instructions(library):
    """The number of instructions in the code `library` links into a caller (counted once)."""
    count = getattr(library, "_rnngraph_instructions", None)
    if count is None:
        module = library._get_module_for_linking()
        count = sum(len(list(block.instructions)) for fn in module.functions if not fn.is_declaration
                    for block in fn.blocks)
        library._rnngraph_instructions = count
    return count


def _links_late(library):
    return getattr(library, "name", None) == OUTLINED_NAME or _instructions(library) > LATE_LINK_INSTRUCTIONS


def install():
    """Wrap CPUCodeLibrary.finalize once per process (no-op if Numba's internals differ)."""
    if getattr(CPUCodeLibrary, "_rnngraph_late_link", False):
        return
    if not all(hasattr(CPUCodeLibrary, a) for a in ("_optimize_final_module", "_get_module_for_linking")):
        return
    numba_finalize = CPUCodeLibrary.finalize

    def finalize(self):
        libraries = getattr(self, "_linking_libraries", None)
        late = [lib for lib in libraries or () if _links_late(lib)]
        if not late:
            return numba_finalize(self)
        self._linking_libraries = [lib for lib in libraries if lib not in late]
        optimize = self._optimize_final_module

        def optimize_then_link():
            optimize()
            for library in dict.fromkeys(late):
                if hasattr(self, "_reload_init"):  # Numba >= 0.60: init hooks of linked code
                    self._reload_init.update(library._reload_init)
                self._final_module.link_in(library._get_module_for_linking(), preserve=True)
        self._optimize_final_module = optimize_then_link
        try:
            return numba_finalize(self)
        finally:
            del self._optimize_final_module

    CPUCodeLibrary.finalize = finalize
    CPUCodeLibrary._rnngraph_late_link = True
