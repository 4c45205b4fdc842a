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

`keep_interpreter_memory()` does the same for CPython's own mmap'd blocks. Python 3.11
keeps each thread's frames in 16 KiB chunks mapped with mmap and unmaps a chunk as soon as
the frames in it return; Numba's compiler recurses across such a boundary over and over, so
a compiling process mapped and unmapped a chunk tens of thousands of times a second (the
test suite: 46 million page faults, a tenth of its CPU time spent in the kernel). It sets
CPython's arena allocator (PyObject_SetArenaAllocator: those chunks and obmalloc's arenas)
to two small functions, compiled with llvmlite, that take the memory from malloc, which
keeps it. Blocks mapped before are recognized by their page-aligned address (a block from
malloc is never page-aligned: it starts 16 or 32 bytes into its allocation, the offset
stored just before it) and unmapped as before. Same opt-out and scope (Linux, glibc,
CPython).
"""
import ctypes
import functools
import mmap
import os
import platform
import sys
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


# CPython's arena allocator functions: malloc'd blocks start 16 or 32 bytes into their
# allocation (never on a page boundary; the offset is stored in the 8 bytes before), blocks
# on a page boundary were mapped by CPython's default allocator and are unmapped.
_ARENA_IR = r"""
declare i8* @malloc(i64)
declare void @free(i8*)
declare i32 @munmap(i8*, i64)
define i8* @rnngraph_arena_alloc(i8* %ctx, i64 %size) {
entry:
  %n = add i64 %size, 32
  %p = call i8* @malloc(i64 %n)
  %isnull = icmp eq i8* %p, null
  br i1 %isnull, label %fail, label %ok
fail:
  ret i8* null
ok:
  %pi = ptrtoint i8* %p to i64
  %a = add i64 %pi, 16
  %rem = and i64 %a, PAGE_MASK
  %on_page = icmp eq i64 %rem, 0
  %off = select i1 %on_page, i64 32, i64 16
  %r = add i64 %pi, %off
  %hdr = sub i64 %r, 8
  %hp = inttoptr i64 %hdr to i64*
  store i64 %off, i64* %hp
  %rp = inttoptr i64 %r to i8*
  ret i8* %rp
}
define void @rnngraph_arena_free(i8* %ctx, i8* %ptr, i64 %size) {
entry:
  %pi = ptrtoint i8* %ptr to i64
  %rem = and i64 %pi, PAGE_MASK
  %mapped = icmp eq i64 %rem, 0
  br i1 %mapped, label %unmap, label %heap
unmap:
  %u = call i32 @munmap(i8* %ptr, i64 %size)
  ret void
heap:
  %hdr = sub i64 %pi, 8
  %hp = inttoptr i64 %hdr to i64*
  %off = load i64, i64* %hp
  %base = sub i64 %pi, %off
  %bp = inttoptr i64 %base to i8*
  call void @free(i8* %bp)
  ret void
}
"""


class _ArenaAllocator(ctypes.Structure):
    """CPython's PyObjectArenaAllocator."""
    _fields_ = [("ctx", ctypes.c_void_p), ("alloc", ctypes.c_void_p), ("free", ctypes.c_void_p)]


@functools.cache
def keep_interpreter_memory():
    """Install the arena allocator above (once per process); returns whether it did."""
    if _mallopt() is None or platform.python_implementation() != "CPython" \
            or sys.maxsize <= 2**32:
        return False
    import llvmlite.binding as llvm
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    module = llvm.parse_assembly(_ARENA_IR.replace("PAGE_MASK", str(mmap.PAGESIZE - 1)))
    engine = llvm.create_mcjit_compiler(module, llvm.Target.from_default_triple().create_target_machine())
    engine.finalize_object()
    table = _ArenaAllocator(None, engine.get_function_address("rnngraph_arena_alloc"),
                            engine.get_function_address("rnngraph_arena_free"))
    # CPython frees blocks through these functions until the process ends, after any
    # module's objects are gone: the machine code and the table must never be freed.
    for obj in (engine, module, table):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))
    set_allocator = ctypes.pythonapi.PyObject_SetArenaAllocator
    set_allocator.argtypes = [ctypes.POINTER(_ArenaAllocator)]
    set_allocator.restype = None
    set_allocator(ctypes.byref(table))
    return True
