"""Matrix products by our own vector micro-kernel over a matrix packed once into panels.

Why: an RNN step multiplies a few rows (the batch) by the same weight matrix, hundreds of
times per run. OpenBLAS repacks the weights on every call and, at 16-128 rows, reaches
70-120 GFLOP/s of the ~200 this machine's two cores can do (medium LSTM step, 32x256 @
256x1024: 212 us; packed here once, 147 us on one thread, 75 us on two).

Layout: `pack_panels(b)` stores a [k, n] matrix as [ceil(n / NR), k, NR]: panel j holds
columns j*NR .. j*NR+NR-1, row after row, zero-padded past n. The micro-kernel computes
an (up to) MR x NR block of the product: it keeps the block in 2*MR vector registers and,
for each p < k, broadcasts a[r, p] and multiplies it by panel row p (two vector loads).
LLVM does not turn scalar Numba code into this (its accumulators stay in memory, 13
GFLOP/s), so the kernel is written as LLVM vector IR (`_micro_kernel`). Panels are
independent, so the product runs on the threads (omp_parts.py), a block of panels each.

The vector width follows the host: 512-bit vectors where it has AVX-512, else 256-bit.
Any strides of `a` work (a transposed view too); `c` needs unit column stride.

Programs do not link this code. The threaded product over whole panels is compiled once
as a C callable per dtype (`@cached_cfunc`, jit_cache.py) and registered with LLVM as the
symbols `rnngraph_panel_product_f32`/`_f64` when this module is imported; `panel_product` (what
programs call, small) validates its operands, calls the symbol, and computes the last
panel's columns, when narrower than NR, by a plain loop. Linked into every program, the
threaded loop and its micro-kernels made each program's library 7 times larger and its
compile 25% longer (Numba generates a callee's machine code again in every caller).
"""
import numpy as np
from llvmlite import binding as llvm
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from . import omp_parts
from .jit_cache import cached_cfunc
from .kernel_jit import kernel_njit

MR = 8  # rows of the widest block one micro-kernel call computes
_VECTOR_BYTES = 64 if "+avx512f" in llvm.get_host_cpu_features().flatten() else 32
NR32 = 2 * _VECTOR_BYTES // 4  # panel width (two vector registers) for float32
NR64 = 2 * _VECTOR_BYTES // 8  # and for float64
# Rows of the output computed panel after panel before moving on: the rows of `a` they
# read stay in cache, and the output is written a block at a time (one panel of every row
# of a large output at a time wrote one cache line per page: the large LSTM's input
# projection, 4096 x 2048, ran 1.5x slower).
ROW_BLOCK = 128
# Inner indices per pass over the output: a panel's DEPTH_BLOCK rows (32 KiB) stay in
# cache while every row block uses them (a weight gradient sums over batch x time,
# thousands of inner indices: its panels were read from memory again for every 8 rows).
DEPTH_BLOCK = 1024
# Rows of a row-major matrix packed at a time: each panel gets a run of PACK_ROWS rows
# while they stay in cache. More rows than L1's 8 ways conflict when the row length is a
# multiple of 4 KiB (12800 x 2048 at 64 rows: 33 ms; 16 rows: 17-21 ms, the same as row by
# row; element by element with a division per element, as before: 72-78 ms).
PACK_ROWS = 16
# Products with fewer multiply-adds run on the calling thread (starting Numba's threads
# costs more than they take).
SERIAL_MAX = 1 << 18


def _micro_kernel(rows):
    """An intrinsic computing c[r*ldc + j] (+)= sum_p a[r*a_rs + p*a_ps] * b[p*NR + j] for
    r < rows, j < NR. a, b, c are addresses of elements of `dtype` (float32 or float64,
    passed as the NumPy type); strides are in elements; accumulate 0 overwrites c."""
    @intrinsic
    def micro(typingctx, dtype, a, a_rs, a_ps, b, c, ldc, k, accumulate):
        if getattr(dtype, "instance_type", None) not in (types.float32, types.float64):
            return None
        sig = types.void(dtype, a, a_rs, a_ps, b, c, ldc, k, accumulate)

        def codegen(context, builder, signature, args):
            scalar = context.get_value_type(signature.args[0].instance_type)
            a_ptr, a_rs, a_ps, b_ptr, c_ptr, ldc, k, accumulate = (
                context.cast(builder, v, t, types.int64) for v, t in zip(args[1:], signature.args[1:]))
            a_ptr, b_ptr, c_ptr = (builder.inttoptr(x, scalar.as_pointer()) for x in (a_ptr, b_ptr, c_ptr))
            width = _VECTOR_BYTES // (4 if isinstance(scalar, ir.FloatType) else 8)
            vec, i64, i32 = ir.VectorType(scalar, width), ir.IntType(64), ir.IntType(32)
            vec_ptr = vec.as_pointer()
            fma = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vec, [vec, vec, vec]),
                           "llvm.fma.v%d%s" % (width, "f32" if isinstance(scalar, ir.FloatType) else "f64"))
            zero = ir.Constant(vec, None)
            splat_mask = ir.Constant(ir.VectorType(i32, width), [0] * width)

            def const(v):
                return ir.Constant(i64, v)

            entry = builder.basic_block
            loop = builder.append_basic_block("panel.loop")
            done = builder.append_basic_block("panel.done")
            builder.cbranch(builder.icmp_signed(">", k, const(0)), loop, done)
            builder.position_at_end(loop)
            p = builder.phi(i64)
            acc = [[builder.phi(vec) for _ in range(2)] for _ in range(rows)]
            row_p = builder.gep(b_ptr, [builder.mul(p, const(2 * width))])
            b = [builder.load(builder.bitcast(builder.gep(row_p, [const(h * width)]), vec_ptr),
                              align=1) for h in range(2)]
            new = []
            for r in range(rows):
                index = builder.add(builder.mul(const(r), a_rs), builder.mul(p, a_ps))
                x = builder.insert_element(ir.Constant(vec, ir.Undefined),
                                           builder.load(builder.gep(a_ptr, [index])), const(0))
                x = builder.shuffle_vector(x, ir.Constant(vec, ir.Undefined), splat_mask)
                new.append([builder.call(fma, [x, b[h], acc[r][h]]) for h in range(2)])
            p_next = builder.add(p, const(1))
            p.add_incoming(const(0), entry)
            p.add_incoming(p_next, loop)
            for r in range(rows):
                for h in range(2):
                    acc[r][h].add_incoming(zero, entry)
                    acc[r][h].add_incoming(new[r][h], loop)
            builder.cbranch(builder.icmp_signed("<", p_next, k), loop, done)
            builder.position_at_end(done)
            sums = []
            for r in range(rows):
                for h in range(2):
                    s = builder.phi(vec)
                    s.add_incoming(zero, entry)
                    s.add_incoming(new[r][h], loop)
                    sums.append(s)
            keep = builder.icmp_signed("!=", accumulate, const(0))
            for r in range(rows):
                row_c = builder.gep(c_ptr, [builder.mul(const(r), ldc)])
                for h in range(2):
                    q = builder.bitcast(builder.gep(row_c, [const(h * width)]), vec_ptr)
                    old = builder.select(keep, builder.load(q, align=1), zero)
                    builder.store(builder.fadd(old, sums[2 * r + h]), q, align=1)
            return context.get_dummy_value()
        return sig, codegen
    return micro


_micro8, _micro4, _micro2, _micro1 = (_micro_kernel(r) for r in (8, 4, 2, 1))


def panel_width(dtype):
    """NR for arrays of `dtype` (float32 or float64)."""
    return NR32 if np.dtype(dtype).itemsize == 4 else NR64


@kernel_njit(cache=True)
def pack_panels(b):
    """b [k, n] (any strides: a transposed view packs the transpose) as panels
    [ceil(n / NR), k, NR], zero-padded past n. Reads along b's contiguous axis: blocks of
    PACK_ROWS rows for a row-major b, copied NR columns at a time (panel by panel, each row
    of a large b was another page: 233 ms for a 12800 x 2048 weight gradient), column by
    column otherwise."""
    k, n = b.shape
    nr = NR32 if b.itemsize == 4 else NR64
    whole = n // nr
    count = (n + nr - 1) // nr
    out = np.empty((count, k, nr), b.dtype)
    if whole < count:  # only the last panel's padding needs zeros
        out[whole] = 0
    if b.strides[1] == b.itemsize or n == 1:
        for p0 in range(0, k, PACK_ROWS):
            p1 = min(k, p0 + PACK_ROWS)
            for jp in range(whole):  # NR-wide copies (vectorized) of a block of rows
                for p in range(p0, p1):
                    to, source = out[jp, p], b[p, jp * nr:jp * nr + nr]
                    for jj in range(nr):  # views indexed from 0: vectorized
                        to[jj] = source[jj]
            for p in range(p0, p1):
                for j in range(whole * nr, n):
                    out[whole, p, j - whole * nr] = b[p, j]
    else:
        for jp in range(count):
            for jj in range(min(nr, n - jp * nr)):
                for p in range(k):
                    out[jp, p, jj] = b[p, jp * nr + jj]
    return out


@kernel_njit(cache=True)
def _strip(dtype, a, a_rs, a_ps, m, k, b, c, ldc, accumulate):
    """NR columns of m rows: blocks of 8 rows, then 4, 2, 1 (addresses, element strides)."""
    s = np.empty(0, dtype).itemsize
    i = 0
    while i + 8 <= m:
        _micro8(dtype, a + i * a_rs * s, a_rs, a_ps, b, c + i * ldc * s, ldc, k, accumulate)
        i += 8
    if i + 4 <= m:
        _micro4(dtype, a + i * a_rs * s, a_rs, a_ps, b, c + i * ldc * s, ldc, k, accumulate)
        i += 4
    if i + 2 <= m:
        _micro2(dtype, a + i * a_rs * s, a_rs, a_ps, b, c + i * ldc * s, ldc, k, accumulate)
        i += 2
    if i < m:
        _micro1(dtype, a + i * a_rs * s, a_rs, a_ps, b, c + i * ldc * s, ldc, k, accumulate)


@kernel_njit(cache=True)
def _block(dtype, a, a_rs, a_ps, m, k, kb, kc, b, nr, c, ldc, accumulate, block, jp):
    """Rows block*ROW_BLOCK .. of whole panel jp, over the inner indices kb .. kb+kc-1."""
    s = np.empty(0, dtype).itemsize
    r0 = block * ROW_BLOCK
    rows = min(ROW_BLOCK, m - r0)
    _strip(dtype, a + (r0 * a_rs + kb * a_ps) * s, a_rs, a_ps, rows, kc,
           b + (jp * k + kb) * nr * s, c + (r0 * ldc + jp * nr) * s, ldc, accumulate)


@kernel_njit(cache=True)
def _tiles(lo, hi, dtype, a, a_rs, a_ps, m, k, kb, kc, b, nr, c, ldc, flag, panels):
    """(Row block, panel) pairs lo .. hi-1 of _whole_panels' product."""
    for t in range(lo, hi):
        _block(dtype, a, a_rs, a_ps, m, k, kb, kc, b, nr, c, ldc, flag, t // panels, t % panels)


# The tiles on the threads through omp_parts (its launch costs less than a prange
# region's: a product per backward step of an LSTM).
_run_tiles = omp_parts.runner(_tiles)


@kernel_njit(cache=True)
def _whole_panels(dtype, a, a_rs, a_ps, m, k, b, panels, c, ldc, accumulate, threaded):
    """The first `panels` panels' columns of c, DEPTH_BLOCK inner indices at a time (the
    first block writes c or adds to it, the others add), on the threads when large and
    `threaded`: each thread takes a contiguous range of (row block, panel) pairs."""
    nr = NR32 if np.empty(0, dtype).itemsize == 4 else NR64
    blocks = (m + ROW_BLOCK - 1) // ROW_BLOCK
    tiles = blocks * panels
    for kb in range(0, max(k, 1), DEPTH_BLOCK):
        kc = min(DEPTH_BLOCK, k - kb)
        flag = accumulate if kb == 0 else 1
        if not threaded or m * kc * panels * nr <= SERIAL_MAX:
            _tiles(0, tiles, dtype, a, a_rs, a_ps, m, k, kb, kc, b, nr, c, ldc, flag, panels)
        else:
            _run_tiles(tiles, (dtype, a, a_rs, a_ps, m, k, kb, kc, b, nr, c, ldc, flag, panels))


# The C entry points: (a, a_rs, a_ps, m, k, b, panels, c, ldc, accumulate), addresses and
# element counts as int64.
_ENTRY = types.void(*[types.int64] * 10)


@cached_cfunc(_ENTRY)
def _entry_f32(a, a_rs, a_ps, m, k, b, panels, c, ldc, accumulate):
    _whole_panels(np.float32, a, a_rs, a_ps, m, k, b, panels, c, ldc, accumulate, True)


@cached_cfunc(_ENTRY)
def _entry_f64(a, a_rs, a_ps, m, k, b, panels, c, ldc, accumulate):
    _whole_panels(np.float64, a, a_rs, a_ps, m, k, b, panels, c, ldc, accumulate, True)


def _serial_entries():
    """Entry points that never start Numba's threads: for a product computed by one thread
    of a parallel loop (panel_columns), and for the workqueue threading layer (a machine
    without OpenMP or TBB), which aborts the process when two threads (two sessions run
    from Python threads) start parallel work at once."""
    @cached_cfunc(_ENTRY)
    def _serial_f32(a, a_rs, a_ps, m, k, b, panels, c, ldc, accumulate):
        _whole_panels(np.float32, a, a_rs, a_ps, m, k, b, panels, c, ldc, accumulate, False)

    @cached_cfunc(_ENTRY)
    def _serial_f64(a, a_rs, a_ps, m, k, b, panels, c, ldc, accumulate):
        _whole_panels(np.float64, a, a_rs, a_ps, m, k, b, panels, c, ldc, accumulate, False)
    return _serial_f32, _serial_f64


# Whether compiled code may start threads (not under the workqueue layer: omp_parts;
# read by lower_array.py for its transposes).
THREADED = omp_parts.AVAILABLE
SERIAL_ENTRIES = _serial_entries()
ENTRIES = (_entry_f32, _entry_f64) if THREADED else SERIAL_ENTRIES
llvm.add_symbol("rnngraph_panel_product_f32", ENTRIES[0].address)
llvm.add_symbol("rnngraph_panel_product_f64", ENTRIES[1].address)
llvm.add_symbol("rnngraph_panel_product_serial_f32", SERIAL_ENTRIES[0].address)
llvm.add_symbol("rnngraph_panel_product_serial_f64", SERIAL_ENTRIES[1].address)
_PRODUCT_F32 = types.ExternalFunction("rnngraph_panel_product_f32", _ENTRY)
_PRODUCT_F64 = types.ExternalFunction("rnngraph_panel_product_f64", _ENTRY)
_SERIAL_F32 = types.ExternalFunction("rnngraph_panel_product_serial_f32", _ENTRY)
_SERIAL_F64 = types.ExternalFunction("rnngraph_panel_product_serial_f64", _ENTRY)


@kernel_njit(cache=True)
def panel_product(a, panels, c, accumulate):
    """c = a @ B (accumulate: c += a @ B) for B packed by pack_panels; a [m, k] with any
    strides, c [m, n] with unit column stride, n <= the panels' columns."""
    m, k = a.shape
    n = c.shape[1]
    nr = panels.shape[2]
    if c.shape[0] != m or panels.shape[1] != k or n > panels.shape[0] * nr:
        raise ValueError("panel_product: operand shapes do not agree")
    if m == 0 or n == 0:
        return
    if n > 1 and c.strides[1] != c.itemsize:
        raise ValueError("panel_product: the output's columns are not contiguous")
    whole = n // nr
    if whole > 0:
        args = _entry_args(a, panels, c, 0, whole, accumulate)
        if a.itemsize == 4:
            _PRODUCT_F32(*args)
        else:
            _PRODUCT_F64(*args)
    zero = c.dtype.type(0)
    base = whole * nr
    for i in range(m):  # the columns of a last, narrower panel (indexed, not viewed: a view
        # costs two atomic reference-count operations)
        for j in range(base, n):
            total = c[i, j] if accumulate else zero
            for p in range(k):
                total += a[i, p] * panels[whole, p, j - base]
            c[i, j] = total


@kernel_njit(cache=True)
def panel_columns(a, panels, c, c0, c1, accumulate):
    """Columns c0 .. c1-1 of c = a @ B (accumulate: c += a @ B) on the calling thread, for B
    packed by pack_panels; c0 and c1 - c0 multiples of NR. For a loop whose threads each
    compute the columns their part of an elementwise loop reads, then that part
    (lower_fused: a product with its elementwise epilogue, one parallel region per step
    instead of two and the gates read where they were written)."""
    m, k = a.shape
    nr = panels.shape[2]
    if c.shape[0] != m or panels.shape[1] != k or c0 < 0 or c0 % nr != 0 or \
            (c1 - c0) % nr != 0 or c1 > min(c.shape[1], panels.shape[0] * nr):
        raise ValueError("panel_columns: operand shapes do not agree")
    if m == 0 or c1 <= c0:
        return
    if c1 - c0 > 1 and c.strides[1] != c.itemsize:
        raise ValueError("panel_columns: the output's columns are not contiguous")
    args = _entry_args(a, panels, c, c0 // nr, (c1 - c0) // nr, accumulate)
    if a.itemsize == 4:
        _SERIAL_F32(*args)
    else:
        _SERIAL_F64(*args)


@kernel_njit(cache=True)
def _entry_args(a, panels, c, first, count, accumulate):
    """The C entry points' arguments (_ENTRY) for the `count` panels from panel `first`:
    addresses, element strides and sizes, for operands already checked."""
    m, k = a.shape
    nr = panels.shape[2]
    s = a.itemsize
    return (np.int64(a.ctypes.data), np.int64(a.strides[0] // s), np.int64(a.strides[1] // s),
            np.int64(m), np.int64(k), np.int64(panels.ctypes.data + first * k * nr * s),
            np.int64(count), np.int64(c.ctypes.data + first * nr * s),
            np.int64(c.strides[0] // s) if m > 1 else np.int64(c.shape[1]),
            np.int64(1 if accumulate else 0))


@kernel_njit(cache=True)
def panel_matmul(a, panels, n):
    """a @ B as a new [m, n] array, B packed by pack_panels."""
    out = np.empty((a.shape[0], n), a.dtype)
    panel_product(a, panels, out, False)
    return out


@kernel_njit(cache=True)
def panel_matmul_add(a, panels, c):
    """a @ B + c as a new array (c of the result's shape)."""
    out = c.copy()  # C-contiguous, whatever c's layout
    panel_product(a, panels, out, True)
    return out
