"""The Numba compiler pipeline for generated functions (programs, outlined loops and conds):
Numba's nopython pipeline without the passes that only act on code the emitter never
writes, and with LLVM's function-level passes at -O1.

Why: compiling generated code is nearly all of the cpu target's test time (the suite
compiles about 1,500 programs per worker), and a gradient program compiles in seconds.
Over three parity gradient cases (two dynamic_rnn, one static_rnn), 20 s of compile were:
LLVM function passes 3.9 s, module passes 3.1 s, machine code 2.5 s, IR text and parsing
1.8 s, lowering 3.5 s, typing 2.1 s, and 3.3 s in Numba's other passes.

- Skipped passes: InlineClosureLikes (closures and comprehensions), DeadBranchPrune
  (branches on constants and on None arguments), InlineOverloads (overloads declared
  inline="always"), NopythonRewrites (array-expression fusion, string-literal getitems).
  The emitter writes none of those forms: its branches are decided when it generates the
  code and its elementwise work is explicit loops. Each skipped pass also spared the CFG
  rebuild Numba runs after a pass that may change it. About 5% of compile time.
- Function passes at -O1: Numba optimizes every function of a new LLVM module with the
  full -O3 pipeline before linking it, then the linked module with -O3 again. For
  generated code the second run does the work: on the LSTM forward and training programs
  the machine code differed by a few register moves in thousands of instructions (the
  vector code was identical), and the function passes took 3.9 -> 2.8 s.

Kernels (kernels.py, panels.py) keep Numba's own pipeline: they are compiled once and
cached on disk. Touches Numba internals: the pass classes, `CodeLibrary._optimize_functions`
and `config.OPT`, read when a pass manager is built; a Numba without the method keeps -O3.
"""
from numba.core import config
from numba.core.compiler import CompilerBase, DefaultPassBuilder
from numba.core.compiler_machinery import AnalysisPass, register_pass
from numba.core.typed_passes import InlineOverloads, NopythonRewrites
from numba.core.untyped_passes import DeadBranchPrune, InlineClosureLikes

from .borrowed_arguments import REPLACEMENTS

_SKIPPED = (InlineClosureLikes, DeadBranchPrune, InlineOverloads, NopythonRewrites)
FUNCTION_PASS_OPT_LEVEL = 1


@register_pass(mutates_CFG=False, analysis_only=True)
class CheapFunctionPasses(AnalysisPass):
    """Creates the function's code library (as NativeLowering would) so that its function
    passes run at FUNCTION_PASS_OPT_LEVEL."""
    _name = "rnngraph_cheap_function_passes"

    def __init__(self):
        AnalysisPass.__init__(self)

    def run_pass(self, state):
        if state.library is None:
            state.library = state.targetctx.codegen().create_library(
                state.func_id.func_qualname)
            state.library.enable_object_caching()
        optimize = getattr(state.library, "_optimize_functions", None)
        if optimize is not None:
            state.library._optimize_functions = _at_opt_level(optimize)
        return False


def _at_opt_level(optimize):
    def optimize_functions(*args, **kwargs):
        saved = config.OPT
        config.OPT = type(saved)(min(FUNCTION_PASS_OPT_LEVEL, int(saved)))
        try:
            return optimize(*args, **kwargs)
        finally:
            config.OPT = saved
    return optimize_functions


class BorrowingCompiler(CompilerBase):
    """Numba's nopython pipeline with borrowed_arguments' lowering (the kernels')."""

    def define_pipelines(self):
        pm = self._nopython_pipeline()
        pm.finalize()
        return [pm]

    def _nopython_pipeline(self):
        pm = DefaultPassBuilder.define_nopython_pipeline(self.state)
        pm.passes[:] = [(REPLACEMENTS.get(cls, cls), doc) for cls, doc in pm.passes]
        return pm


class GeneratedCompiler(BorrowingCompiler):
    """BorrowingCompiler's pipeline less _SKIPPED, with CheapFunctionPasses before lowering."""

    def define_pipelines(self):
        pm = self._nopython_pipeline()
        passes = [(cls, doc) for cls, doc in pm.passes if cls not in _SKIPPED]
        lowering = next(i for i, (cls, _) in enumerate(passes)
                        if cls in REPLACEMENTS.values())
        passes.insert(lowering, (CheapFunctionPasses, "function passes at -O1"))
        pm.passes[:] = passes
        pm.finalize()
        return [pm]
