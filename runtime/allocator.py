"""Keep freed memory in the process while compiled programs run (glibc's malloc).

Compiled code allocates its arrays at every run (and per-step arrays at every loop step)
and frees them when they die. By default glibc gives the freed top of the heap back to the
OS as soon as it exceeds 128 KiB, and serves blocks of 128 KiB and more by mmap/munmap;
the next run or step then faults the pages in again. With more than one thread in the
process (Numba's and BLAS's workers), every such return also makes the kernel flush the
TLB of each core running one of them (inter-processor interrupts). For the medium LSTM this
cost more than its matrix products (46.7 ms per forward pass, 26 ms with the memory kept);
the large LSTM's training step faulted in 340 MiB per run (saved activations, gradient
rows), 810-940 ms per step, 650-670 ms with the memory kept.

`keep_freed_memory(program_bytes)` therefore, once per process, stops malloc from serving
blocks by mmap (M_MMAP_MAX = 0: every block comes from the heap, where freed memory can be
reused; mmap's threshold cannot be raised above 32 MiB), and keeps free memory at the top
of the heap up to 256 MiB plus the peak of the largest program run so far (M_TRIM_THRESHOLD,
raised as larger programs run; at most half the machine's memory and 2 GiB, mallopt's
limit). This is what the
allocators of TF and PyTorch do for their own tensors; the cost is that the process keeps
that much memory after a run. Set RNNGRAPH_KEEP_FREED_MEMORY=0 to leave malloc as it is.
Elsewhere than glibc it does nothing.
"""
import ctypes
import functools
import os
import platform
import threading

M_TRIM_THRESHOLD = -1
M_MMAP_MAX = -4
BASE_TRIM_THRESHOLD = 256 << 20

_lock = threading.Lock()
_trim_threshold = 0


def keep_freed_memory(program_bytes=0):
    """Apply the settings above for a program whose temporaries peak at `program_bytes`;
    returns whether malloc is being tuned (False when opted out or not glibc)."""
    mallopt = _mallopt()
    if mallopt is None:
        return False
    global _trim_threshold
    wanted = min(BASE_TRIM_THRESHOLD + int(program_bytes), _memory_bytes() // 2, 2**31 - 1)
    if wanted > _trim_threshold:
        with _lock:
            if wanted > _trim_threshold and mallopt(M_TRIM_THRESHOLD, wanted):
                _trim_threshold = wanted
    return True


def trim_threshold():
    """The free memory (bytes) malloc keeps at the top of its heap; 0 when not tuned."""
    return _trim_threshold


@functools.cache
def _mallopt():
    """glibc's mallopt with mmap turned off (once per process), or None."""
    if os.environ.get("RNNGRAPH_KEEP_FREED_MEMORY", "1") == "0" or platform.system() != "Linux" \
            or platform.libc_ver()[0] != "glibc":
        return None
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return None
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return mallopt if mallopt(M_MMAP_MAX, 0) else None


@functools.cache
def _memory_bytes():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 8 << 30
