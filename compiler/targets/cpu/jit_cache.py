"""Numba's njit and cfunc for the cpu target's code, with a disk cache that loads machine
code without setting up Numba's compiler.

Why: Numba's cache refreshes its target context before every load, and the first refresh
of a process imports every lowering Numba has (NumPy's functions, linalg and scipy.linalg
with it, random, typed containers, datetimes, ...): 0.35 s, half of a warm start (a fresh
process running a program whose machine code is in the disk cache), although rebuilding
cached machine code needs none of it, only the symbols of Numba's runtime (NRT) that the
code calls. `LoadOnlyCache` initializes the NRT and loads. A miss still compiles through
Numba's compiler, which refreshes the context itself before it starts.

BLAS and LAPACK need no import here either: Numba's helpers (numba_xxgemm, which
kernels.gemm_into calls when PANEL_PRODUCTS is off, and the LAPACK ones behind kernels.qr)
import scipy's cython modules on their first call, taking the GIL to do so (an orthogonal
initializer's cached program, whose Qr calls LAPACK, loads and runs in a fresh process).

`GeneratedDispatcher` keeps of each compile only what running, calling and linking the
function need: not its typed IR. Numba keeps a CompileResult per compiled signature, and
its `type_annotation` (for `inspect_types`) holds the function's whole typed IR, as do the
parfor diagnostics of a parallel=True function: about 15,000 Python objects per program
of the parity tests. A process that compiles many programs (the test suite compiles about
1,500 per worker) kept every one of them: Python's cyclic GC walks all of them in each full
collection, which took 15% of a test worker's time, and memory grew with every program.

Touches Numba internals: FunctionCache._load_overload and _index_key, the NRT's initialize; how a
dispatcher and a C callback hold their cache (`_cache`); Dispatcher.add_overload and the
CompileResult's fields.
"""
import gc

from numba.core import config, sigutils
from numba.core.caching import FunctionCache
from numba.core.ccallback import CFunc
from numba.core.registry import CPUDispatcher
from numba.core.runtime import nrt

from . import cache
from .numba_pipeline import GeneratedCompiler


# The internals the load relies on (a Numba without them gets its own load_overload).
_LOAD_ONLY = all(hasattr(FunctionCache, name) for name in
                 ("_load_overload", "_guard_against_spurious_io_errors")) and \
    hasattr(nrt.rtsys, "initialize")


# Numba settings that change the machine code it makes but are not in its cache's key (the
# CPU's name and features are): a program compiled under NUMBA_ENABLE_PROFILING=1 (to see
# it in perf) has its cell loop unvectorized, 2.3 times slower, and a later run without it
# loaded that code from the cache.
CODEGEN_SETTINGS = ("OPT", "LOOP_VECTORIZE", "SLP_VECTORIZE", "ENABLE_AVX", "ENABLE_PROFILING",
                    "DEBUGINFO_DEFAULT", "BOUNDSCHECK")


class LoadOnlyCache(FunctionCache):
    """Numba's function cache, loading without first refreshing the target context, its
    entries keyed also by CODEGEN_SETTINGS and by cache.VERSION_KEY: Numba keys an entry by
    its own source file only, while a kernel embeds the code of functions in other files
    (kernels.py calls panels.py's, panels.py's threaded product the code omp_parts.py's
    intrinsic generates), so a change there would have kept running the old code."""

    def _index_key(self, sig, codegen):
        settings = tuple((name, str(getattr(config, name, None))) for name in CODEGEN_SETTINGS)
        return super()._index_key(sig, codegen) + (settings, cache.VERSION_KEY)

    def load_overload(self, sig, target_context):
        if not _LOAD_ONLY:
            return super().load_overload(sig, target_context)
        nrt.rtsys.initialize(target_context)
        with self._guard_against_spurious_io_errors():
            return self._load_overload(sig, target_context)


# CompileResult.metadata entries that hold a parallel=True function's IR.
_IR_METADATA = ("parfor_diagnostics", "parfors")


class GeneratedDispatcher(CPUDispatcher):
    """A CPU dispatcher that compiles with numba_pipeline.GeneratedCompiler and keeps a
    compile result without its typed IR (see the module docstring). Numba saves the full
    result to its disk cache before it is dropped here."""

    def __init__(self, py_func, locals=None, targetoptions=None,
                 pipeline_class=GeneratedCompiler):
        super().__init__(py_func, locals=locals or {}, targetoptions=targetoptions or {},
                         pipeline_class=pipeline_class)

    def compile(self, sig):
        """Compile (or load) with Python's cyclic GC paused (see the module docstring)."""
        if not gc.isenabled():
            return super().compile(sig)
        gc.disable()
        try:
            return super().compile(sig)
        finally:
            gc.enable()

    def add_overload(self, cres):
        if hasattr(cres, "_replace"):
            cres = cres._replace(type_annotation=None, metadata={
                k: v for k, v in (cres.metadata or {}).items() if k not in _IR_METADATA})
        super().add_overload(cres)


def njit_with(dispatcher_class, pipeline_class=None, **options):
    """`numba.njit(**options)` making a `dispatcher_class` (a CPUDispatcher subclass; with
    `pipeline_class` when given) whose cache, with cache=True, is a LoadOnlyCache; under
    NUMBA_DISABLE_JIT the plain Python function, as njit does."""
    cache = options.pop("cache", False)
    targetoptions = dict(options, nopython=True)
    pipeline = {} if pipeline_class is None else {"pipeline_class": pipeline_class}

    def wrap(py_func):
        if config.DISABLE_JIT:
            return py_func
        dispatcher = dispatcher_class(py_func=py_func, locals={}, targetoptions=targetoptions, **pipeline)
        if cache:
            dispatcher._cache = LoadOnlyCache(py_func)
        return dispatcher
    return wrap


def program_njit(**options):
    """`numba.njit(**options)` for a generated program (the function an executable calls)."""
    return njit_with(GeneratedDispatcher, **options)


def cached_cfunc(sig):
    """`numba.cfunc(sig, cache=True)` with a LoadOnlyCache."""
    def wrap(py_func):
        callback = CFunc(py_func, sigutils.normalize_signature(sig), locals={}, options={})
        callback._cache = LoadOnlyCache(py_func)
        callback.compile()
        return callback
    return wrap
