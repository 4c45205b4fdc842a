"""How many threads compiled code and BLAS use, set per Session from
ConfigProto(intra_op_parallelism_threads=N) (0, the default, means every core), as TF1's
intra-op pool. Applied when a run starts, and only when it differs from the last setting,
so steady-state runs pay nothing for it.
"""
import os
import threading

_lock = threading.Lock()
_current = None
_controller = None


def use_threads(n):
    """Make BLAS (both OpenBLAS copies NumPy and SciPy load) and Numba use n threads."""
    global _current, _controller
    n = int(n or 0) or os.cpu_count() or 1
    if n == _current:
        return
    with _lock:
        if n == _current:
            return
        import numba
        from threadpoolctl import ThreadpoolController
        if _controller is None:
            _controller = ThreadpoolController()
        _controller.limit(limits=n, user_api="blas")
        numba.set_num_threads(max(1, min(n, numba.config.NUMBA_NUM_THREADS)))
        _current = n


def current():
    return _current
