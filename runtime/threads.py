"""How many threads compiled code and BLAS use, set per Session from
ConfigProto(intra_op_parallelism_threads=N) (0, the default, means every core), as TF1's
intra-op pool. Applied when a run starts, and only when it differs from the last setting,
so steady-state runs pay nothing for it.
"""
import os
import sys
import threading

_lock = threading.Lock()
_current = None
_controller = None
# Numba's gemm calls SciPy's BLAS (scipy.linalg.cython_blas), which Numba loads lazily: a
# controller built before that misses SciPy's OpenBLAS, so it is rebuilt once it appears.
_SCIPY_BLAS = "scipy.linalg.cython_blas"
_controller_sees_scipy = False
# The cores, counted once: os.cpu_count() reads /sys on every call (9 us, as much as the
# rest of a small program's run).
_CORES = os.cpu_count() or 1


def use_threads(n):
    """Make BLAS (both OpenBLAS copies NumPy and SciPy load) and Numba use n threads."""
    global _current, _controller, _controller_sees_scipy
    n = int(n or 0) or _CORES
    if n == _current and (_controller_sees_scipy or _SCIPY_BLAS not in sys.modules):
        return
    with _lock:
        scipy_loaded = _SCIPY_BLAS in sys.modules
        if n == _current and (_controller_sees_scipy or not scipy_loaded):
            return
        import numba
        from threadpoolctl import ThreadpoolController
        if _controller is None or (scipy_loaded and not _controller_sees_scipy):
            _controller = ThreadpoolController()
            _controller_sees_scipy = scipy_loaded
        _controller.limit(limits=n, user_api="blas")
        numba.set_num_threads(max(1, min(n, numba.config.NUMBA_NUM_THREADS)))
        _current = n


def current():
    return _current
