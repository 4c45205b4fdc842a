"""Link outlined functions (outline.py) into their callers after the caller is optimized.

Numba links the machine-independent code of every function a jitted function calls into the
caller's module and then runs LLVM's whole optimization pipeline on the result, so that
small callees can be inlined. For the outlined loops that is pure cost: they are large
(never inlined), already optimized when they were compiled, and the caller optimized them
again, which was about a quarter of a gradient program's compile time. This wraps Numba's
`CPUCodeLibrary.finalize` so that libraries of functions named `outlined` are linked after
the caller's own optimization; every other callee (kernels.py, NumPy implementations) is
linked before it, as Numba does.

It touches Numba internals (`_linking_libraries`, `_optimize_final_module`,
`_get_module_for_linking`); on a Numba without them nothing is changed and compiling is
only slower.
"""
from numba.core.codegen import CPUCodeLibrary

OUTLINED_NAME = "outlined"


def install():
    """Wrap CPUCodeLibrary.finalize once per process (no-op if Numba's internals differ)."""
    if getattr(CPUCodeLibrary, "_rnngraph_late_link", False):
        return
    if not all(hasattr(CPUCodeLibrary, a) for a in ("_optimize_final_module", "_get_module_for_linking")):
        return
    numba_finalize = CPUCodeLibrary.finalize

    def finalize(self):
        libraries = getattr(self, "_linking_libraries", None)
        late = [lib for lib in libraries or () if getattr(lib, "name", None) == OUTLINED_NAME]
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
