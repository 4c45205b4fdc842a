"""Keep freed memory in the process while compiled programs run (glibc's malloc).

Compiled code allocates its intermediate arrays per loop step and frees them at the end of
the step. By default glibc gives the freed top of the heap back to the OS as soon as it
exceeds 128 KiB, and serves blocks of 128 KiB and more by mmap/munmap; the next step then
faults the pages in again. With more than one thread in the process (Numba's and BLAS's
workers), every such return also makes the kernel flush the TLB of each core running one
of them (inter-processor interrupts). For the medium LSTM this cost more than its matrix
products: 46.7 ms per forward pass, 26 ms with the memory kept.

`keep_freed_memory()` raises both limits once per process (mallopt), so blocks below 32 MiB
come from the heap and the heap keeps up to 256 MiB of free memory for reuse (as the
allocators of TF and PyTorch keep theirs). Set RNNGRAPH_KEEP_FREED_MEMORY=0 to leave
malloc as it is. Elsewhere than glibc it does nothing.
"""
import ctypes
import functools
import os
import platform

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 256 << 20


@functools.cache
def keep_freed_memory():
    """Apply the settings above (once per process); returns whether they were applied."""
    if os.environ.get("RNNGRAPH_KEEP_FREED_MEMORY", "1") == "0" or platform.system() != "Linux" \
            or platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
        bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
