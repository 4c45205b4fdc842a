"""Numba kernels the generated code calls: elementwise functions NumPy lacks in Numba,
reductions over static axes, batched and integer matmul, gathers and scatters with their
bounds already checked, and the Philox random streams (bit-identical to the reference's).

All are compiled once and cached on disk with the package (cache=True).
"""
import math

import numpy as np
from numba import prange, types
from numba.cpython.unsafe.tuple import tuple_setitem

from .kernel_jit import kernel_njit
from .panels import pack_panels, panel_columns, panel_matmul, panel_matmul_add, panel_product  # noqa: F401


# --- scalar functions NumPy lacks in Numba (compiled per type on first use, cached) ------------
@kernel_njit(cache=True)
def sigmoid(x):
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    z = math.exp(x)
    return z / (1 + z)


@kernel_njit(cache=True)
def softplus(x):
    if x > 0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))


@kernel_njit(cache=True)
def round_half_even(x):
    r = math.floor(x + 0.5)
    if r - x == 0.5 and r % 2 != 0:
        r -= 1
    return r


@kernel_njit(cache=True)
def truncate_div(x, y):
    q = abs(x) // abs(y)
    return -q if (x < 0) != (y < 0) else q


# Eigen's rational tanh for float32 (what TF's CPU kernels compute): polynomials in x only,
# so a loop calling it vectorizes once LLVM inlines it; max relative error 3e-7 against tanh.
# The polynomials are evaluated with fused multiply-adds (fastmath "contract", as Eigen's
# pmadd is on a machine with FMA), with Eigen's clamp for FMA, past which the result is
# exactly +-1 (without FMA Eigen clamps at 7.90531110763549805). Without FMA, an LSTM
# cell's loop (five of these per unit) made the small benchmark LSTM's forward pass 4%
# slower, the medium one's 2.5%.
_TANH_CLAMP = np.float32(7.99881172180175781)  # Eigen's with FMA: tanh(clamp) rounds to 1
_TANH_SMALL = np.float32(0.0004)
_A0, _A1, _A2, _A3, _A4, _A5, _A6 = [np.float32(v) for v in (
    4.89352455891786e-03, 6.37261928875436e-04, 1.48572235717979e-05, 5.12229709037114e-08,
    -8.60467152213735e-11, 2.00018790482477e-13, -2.76076847742355e-16)]
_B0, _B1, _B2, _B3 = [np.float32(v) for v in (
    4.89352518554385e-03, 2.26843463243900e-03, 1.18534705686654e-04, 1.19825839466702e-06)]
_HALF = np.float32(0.5)


@kernel_njit(cache=True, fastmath={"contract"})
def tanh_f32(x):
    c = min(max(x, -_TANH_CLAMP), _TANH_CLAMP)
    c2 = c * c
    p = c2 * (c2 * (c2 * (c2 * (c2 * (c2 * _A6 + _A5) + _A4) + _A3) + _A2) + _A1) + _A0
    q = c2 * (c2 * (c2 * _B3 + _B2) + _B1) + _B0
    return x if abs(x) < _TANH_SMALL else c * p / q


@kernel_njit(cache=True, fastmath={"contract"})
def sigmoid_f32(x):
    """sigmoid(x) = (1 + tanh(x / 2)) / 2, vectorizable like tanh_f32."""
    return _HALF * tanh_f32(_HALF * x) + _HALF


# --- the same over arrays of any layout (elementwise ops whose shape is known only at run time)
SPECIAL_UNARY = {"Sigmoid": 0, "Softplus": 1, "Erf": 2, "Round": 3}


@kernel_njit(cache=True)
def special_unary(x, which):
    """The SPECIAL_UNARY function `which` applied to every element of x (any layout)."""
    flat, out = x.ravel(), np.empty(x.size, x.dtype)
    for i in range(x.size):
        v = flat[i]
        if which == 0:
            out[i] = sigmoid(v)
        elif which == 1:
            out[i] = softplus(v)
        elif which == 2:
            out[i] = math.erf(v)
        else:
            out[i] = round_half_even(v)
    return out.reshape(x.shape)


@kernel_njit(cache=True)
def truncate_div_array(x, y):
    q = np.abs(x) // np.abs(y)
    return np.where((x < 0) != (y < 0), -q, q)


# --- reductions over the last axis of a 2-D array (rows = kept positions) -----------------------
@kernel_njit(cache=True)
def sum_rows(a, out, zero):
    """Row sums accumulated from `zero`: float64 0.0 for floats (more precise than a float32
    running sum), int64 0 for integers."""
    for i in range(a.shape[0]):
        acc = zero
        for j in range(a.shape[1]):
            acc += a[i, j]
        out[i] = acc
    return out


@kernel_njit(cache=True)
def sum_cols(a, out, zero):
    """Column sums of a 2-D array accumulated from `zero` as sum_rows does, in the same
    order along the summed axis: reducing leading axes (a bias gradient summed over the
    batch) needs no transposed copy, and the inner loop runs along contiguous rows."""
    acc = np.full(a.shape[1], zero)
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            acc[j] += a[i, j]
    for j in range(a.shape[1]):
        out[j] = acc[j]
    return out


@kernel_njit(cache=True)
def prod_rows(a, out):
    for i in range(a.shape[0]):
        acc = a.dtype.type(1)
        for j in range(a.shape[1]):
            acc *= a[i, j]
        out[i] = acc
    return out


@kernel_njit(cache=True)
def max_rows(a, out, lowest):
    for i in range(a.shape[0]):
        acc = lowest
        for j in range(a.shape[1]):
            v = a[i, j]
            if v > acc or v != v:
                acc = v
                if v != v:
                    break
        out[i] = acc
    return out


@kernel_njit(cache=True)
def min_rows(a, out, highest):
    for i in range(a.shape[0]):
        acc = highest
        for j in range(a.shape[1]):
            v = a[i, j]
            if v < acc or v != v:
                acc = v
                if v != v:
                    break
        out[i] = acc
    return out


@kernel_njit(cache=True)
def all_rows(a, out):
    for i in range(a.shape[0]):
        acc = True
        for j in range(a.shape[1]):
            if not a[i, j]:
                acc = False
                break
        out[i] = acc
    return out


@kernel_njit(cache=True)
def any_rows(a, out):
    for i in range(a.shape[0]):
        acc = False
        for j in range(a.shape[1]):
            if a[i, j]:
                acc = True
                break
        out[i] = acc
    return out


@kernel_njit(cache=True)
def argmax_rows(a, out):
    for i in range(a.shape[0]):
        best, k = a[i, 0], 0
        for j in range(1, a.shape[1]):
            if a[i, j] > best or (a[i, j] != a[i, j] and best == best):
                best, k = a[i, j], j
        out[i] = k
    return out


@kernel_njit(cache=True)
def argmin_rows(a, out):
    for i in range(a.shape[0]):
        best, k = a[i, 0], 0
        for j in range(1, a.shape[1]):
            if a[i, j] < best or (a[i, j] != a[i, j] and best == best):
                best, k = a[i, j], j
        out[i] = k
    return out


# --- matmul ----------------------------------------------------------------------------------
@kernel_njit(cache=True)
def matmul_loops(a, b):
    """a [m, k] @ b [k, n] for dtypes BLAS does not handle (integers)."""
    m, k = a.shape
    n = b.shape[1]
    out = np.zeros((m, n), a.dtype)
    for i in range(m):
        for p in range(k):
            x = a[i, p]
            for j in range(n):
                out[i, j] += x * b[p, j]
    return out


# --- indexing ----------------------------------------------------------------------------------
@kernel_njit(cache=True)
def first_out_of_range(indices, limit, negatives_ok):
    """Flat position of the first index outside [0, limit) (with negatives_ok, the first
    index >= limit: UnsortedSegmentSum drops negative ids instead of failing), or -1."""
    flat = indices.ravel()
    for i in range(flat.size):
        if (flat[i] < 0 and not negatives_ok) or flat[i] >= limit:
            return i
    return -1


@kernel_njit(cache=True)
def callee_ids(ids, check_base, var_indices):
    """The `ids` of a function called from an outlined function (outline._ids_arg): its
    checks numbered from ids[0] + check_base, then the init-flag indices of its variables
    (var_indices, a non-empty tuple: positions in the caller's own ids)."""
    out = np.empty(1 + len(var_indices), np.int64)
    out[0] = ids[0] + check_base
    for k in range(len(var_indices)):
        out[k + 1] = ids[var_indices[k] + 1]
    return out


@kernel_njit(cache=True)
def gather_rows(params, indices):
    """params [n, m] (already 2-D), indices 1-D, checked: out[i] = params[indices[i]]."""
    out = np.empty((indices.size, params.shape[1]), params.dtype)
    for i in range(indices.size):
        out[i] = params[indices[i]]
    return out


@kernel_njit(cache=True)
def gather_mid(params, indices):
    """params [a, n, b], indices 1-D: out[:, i, :] = params[:, indices[i], :]."""
    out = np.empty((params.shape[0], indices.size, params.shape[2]), params.dtype)
    for i in range(indices.size):
        out[:, i, :] = params[:, indices[i], :]
    return out


@kernel_njit(cache=True)
def segment_sum(data, ids, num):
    """data [n, m] (2-D), ids [n]: rows with id k added into out[k]; negative ids dropped."""
    out = np.zeros((num, data.shape[1]), data.dtype)
    for i in range(ids.size):
        k = ids[i]
        if k >= 0:
            out[k] += data[i]
    return out


@kernel_njit(cache=True)
def argwhere(cond):
    flat = cond.ravel()
    n = 0
    for i in range(flat.size):
        if flat[i]:
            n += 1
    out = np.empty((n, cond.ndim), np.int64)
    r = 0
    for i in range(flat.size):
        if flat[i]:
            rem = i
            for d in range(cond.ndim - 1, -1, -1):
                out[r, d] = rem % cond.shape[d]
                rem //= cond.shape[d]
            r += 1
    return out


@kernel_njit(cache=True)
def range_values(start, delta, n, out):
    """TF's Range: value_i = value_{i-1} + delta, accumulated in the output dtype."""
    val = start
    for i in range(n):
        out[i] = val
        val = out.dtype.type(val + delta)
    return out


@kernel_njit(cache=True)
def reverse_sequence_2d(x, lengths, out):
    """x, out [batch, time, rest]: out[b, :len] = x[b, len-1::-1], the tail unchanged."""
    for b in range(x.shape[0]):
        n = lengths[b]
        for t in range(x.shape[1]):
            src = n - 1 - t if t < n else t
            out[b, t] = x[b, src]
    return out


# --- Philox4x32-10, identical to rnngraph/primitives/philox.py -------------------------------------
@kernel_njit(cache=True)
def philox_words(k0, k1, call, offset, n):
    """n uint32 words of the stream (key, call) from word `offset` (a multiple of 4)."""
    out = np.empty(n + 4, np.uint32)
    mask = np.uint64(0xFFFFFFFF)
    blocks = (n + 3) // 4
    for blk in range(blocks):
        b = np.uint64(offset // 4 + blk)
        c0 = np.uint32(b & mask)
        c1 = np.uint32(b >> np.uint64(32))
        c2 = np.uint32(np.uint64(call) & mask)
        c3 = np.uint32(np.uint64(call) >> np.uint64(32))
        a0, a1 = np.uint32(k0), np.uint32(k1)
        for _ in range(10):
            p0 = np.uint64(0xD2511F53) * np.uint64(c0)
            p1 = np.uint64(0xCD9E8D57) * np.uint64(c2)
            hi0, lo0 = np.uint32(p0 >> np.uint64(32)), np.uint32(p0 & mask)
            hi1, lo1 = np.uint32(p1 >> np.uint64(32)), np.uint32(p1 & mask)
            c0, c1, c2, c3 = hi1 ^ c1 ^ a0, lo1, hi0 ^ c3 ^ a1, lo0
            a0 = np.uint32(np.uint64(a0) + np.uint64(0x9E3779B9))
            a1 = np.uint32(np.uint64(a1) + np.uint64(0xBB67AE85))
        out[4 * blk] = c0
        out[4 * blk + 1] = c1
        out[4 * blk + 2] = c2
        out[4 * blk + 3] = c3
    return out[:n]


@kernel_njit(cache=True)
def uniform_f32(k0, k1, call, offset, n):
    w = philox_words(k0, k1, call, offset, n)
    out = np.empty(n, np.float32)
    for i in range(n):
        bits = np.uint32((w[i] >> np.uint32(9)) | np.uint32(0x3F800000))
        out[i] = np.float32(np.array([bits]).view(np.float32)[0] - np.float32(1.0))
    return out


@kernel_njit(cache=True)
def uniform_f64(k0, k1, call, offset, n):
    w = philox_words(k0, k1, call, offset, 2 * n)
    out = np.empty(n, np.float64)
    for i in range(n):
        bits = (np.uint64(w[2 * i]) << np.uint64(32)) | np.uint64(w[2 * i + 1])
        bits = (bits >> np.uint64(12)) | np.uint64(0x3FF0000000000000)
        out[i] = np.array([bits]).view(np.float64)[0] - 1.0
    return out


@kernel_njit(cache=True)
def _uniform(k0, k1, call, offset, n, is32):
    if is32:
        return uniform_f32(k0, k1, call, offset, n).astype(np.float64)
    return uniform_f64(k0, k1, call, offset, n)


@kernel_njit(cache=True)
def normal(k0, k1, call, offset, n, is32):
    """Box-Muller on pairs of uniforms (the reference's algorithm, in the same order)."""
    m = n + (n & 1)
    u = _uniform(k0, k1, call, offset, m, is32)
    out = np.empty(m, np.float64)
    two_pi = 2 * np.pi
    for i in range(m // 2):
        u1, u2 = u[2 * i], u[2 * i + 1]
        if is32:
            u1 = max(np.float32(u1), np.float32(1e-7))
            r = np.float32(math.sqrt(np.float32(-2) * np.float32(math.log(np.float32(u1)))))
            th = np.float32(np.float32(two_pi) * np.float32(u2))
            out[2 * i] = np.float32(r * np.float32(math.sin(th)))
            out[2 * i + 1] = np.float32(r * np.float32(math.cos(th)))
        else:
            u1 = max(u1, 1e-7)
            r = math.sqrt(-2 * math.log(u1))
            th = two_pi * u2
            out[2 * i] = r * math.sin(th)
            out[2 * i + 1] = r * math.cos(th)
    return out[:n]


@kernel_njit(cache=True)
def truncated_normal(k0, k1, call, n, is32):
    out = np.empty(n, np.float64)
    filled, offset = 0, 0
    words = 1 if is32 else 2
    while filled < n:
        chunk = max(64, 2 * (n - filled))
        chunk += (-chunk) % 4
        z = normal(k0, k1, call, offset, chunk, is32)
        offset += chunk * words
        for i in range(chunk):
            if filled < n and abs(z[i]) < 2.0:
                out[filled] = z[i]
                filled += 1
    return out


@kernel_njit(cache=True)
def uniform_int(k0, k1, call, n, lo, hi):
    w = philox_words(k0, k1, call, 0, 2 * n)
    out = np.empty(n, np.int64)
    span = np.uint64(hi - lo)
    for i in range(n):
        wide = (np.uint64(w[2 * i]) << np.uint64(32)) | np.uint64(w[2 * i + 1])
        out[i] = lo + np.int64(wide % span)
    return out


@kernel_njit(cache=True)
def resolve_reshape(shape, size):
    """A reshape target with its -1 (if any) resolved against `size` elements."""
    out = np.empty(shape.size, np.int64)
    known, missing = 1, -1
    for i in range(shape.size):
        if shape[i] == -1:
            missing = i
        else:
            known *= shape[i]
            out[i] = shape[i]
    if missing >= 0:
        out[missing] = size // known if known != 0 else 0
    return out


@kernel_njit(cache=True)
def tile_mid(x, k):
    """x [a, n, b] -> [a, k * n, b], the middle axis repeated k times."""
    a, n, b = x.shape
    out = np.empty((a, k * n, b), x.dtype)
    for rep in range(k):
        out[:, rep * n:(rep + 1) * n, :] = x
    return out


# --- array plumbing kept out of generated code --------------------------------------------------
# Numba instantiates its NumPy implementations (with their error-message machinery) per type
# signature, which is what makes compiling large functions slow. Here they compile once per
# signature and are cached on disk, so a generated program only calls them.
@kernel_njit(cache=True)
def contiguous(x):
    return np.ascontiguousarray(x)


@kernel_njit(cache=True)
def flat(x):
    """x as one dimension, to read from (a view of a C-contiguous x, else a copy). A kernel,
    not `x.ravel()` in generated code: Numba compiles ravel's implementation in every
    process for every array type, ~50 ms each; a kernel is compiled once per type and
    cached. Never to write through: Numba's dead-code elimination (after inlining, and in
    parallel=True functions) knows that ravel's result aliases its argument, not that a
    kernel's does, and drops stores into an array it believes is unused."""
    return np.ascontiguousarray(x).ravel()


@kernel_njit(cache=True)
def reshape(x, shape):
    return np.ascontiguousarray(x).reshape(shape)


@kernel_njit(cache=True)
def broadcast_copy(x, shape):
    """x broadcast to `shape`, as a new C-contiguous array."""
    return np.ascontiguousarray(np.broadcast_to(x, shape))


@kernel_njit(cache=True)
def grow_rows(x, rows):
    """x with zero rows appended up to `rows` rows (a TensorArray growing)."""
    out = np.zeros((rows,) + x.shape[1:], x.dtype)
    out[:x.shape[0]] = x
    return out


# Transposes of at least this many elements copy on Numba's threads (when the caller's
# `threaded`): the large LSTM's time-major output, 26 MB, took 1.18 ms on one thread and
# 0.89 on two; [100, 16, 128] 17 and 9 microseconds, [1, 100, 32] is all start-up.
TRANSPOSE_THREADED_MIN = 1 << 17
TRANSPOSE_PARTS = 16


@kernel_njit(cache=True)
def transpose(x, perm, out_shape, threaded):
    """A C-contiguous copy of x with its axes permuted (out_shape = x.shape permuted), on
    Numba's threads when large and `threaded` (the caller knows whether the threading
    layer allows it: panels.THREADED; a constant here would be frozen into the cache).

    Explicit loops (an odometer over the outer axes, a strided run over the last) instead of
    np.transpose, whose generic implementation is a large part of every program's code. A
    run with unit stride (dynamic_rnn's batch-major <-> time-major swaps) is copied as a row
    of a 2-D view, which LLVM vectorizes (`out[o + j]` it did not, nor a slice assignment
    fast): [100, 16, 128] took 145 microseconds, now 27, as NumPy's copy."""
    src = np.ascontiguousarray(x).ravel()
    r = len(perm)
    out = np.empty(src.size, x.dtype)
    if r < 2 or src.size == 0:
        out[:] = src
        return out.reshape(out_shape)
    stride = np.empty(r, np.int64)
    s = 1
    for a in range(r - 1, -1, -1):
        stride[a] = s
        s *= x.shape[a]
    step = np.empty(r, np.int64)   # source stride of each output axis
    dims = np.empty(r, np.int64)
    for k in range(r):
        step[k] = stride[perm[k]]
        dims[k] = out_shape[k]
    runs = src.size // dims[r - 1]  # (the last axis is not empty: src is not)
    if threaded and src.size >= TRANSPOSE_THREADED_MIN:
        _copy_runs_threaded(out, src, step, dims, runs)
    else:
        _copy_runs(out, src, step, dims, 0, runs)
    return out.reshape(out_shape)


@kernel_njit(cache=True, parallel=True)
def _copy_runs_threaded(out, src, step, dims, runs):
    """transpose's runs in TRANSPOSE_PARTS contiguous ranges, on Numba's threads."""
    parts = min(runs, TRANSPOSE_PARTS)
    for p in prange(parts):
        _copy_runs(out, src, step, dims, runs * p // parts, runs * (p + 1) // parts)


@kernel_njit(cache=True)
def _copy_runs(out, src, step, dims, lo, hi):
    """Runs lo .. hi-1 of a transpose (run o: out[o * inner:(o + 1) * inner], the output's
    last axis at the o-th combination of its outer indices; `step`: the source stride of
    each output axis), the outer indices kept as an odometer from lo's."""
    r = dims.size
    inner, inner_step = dims[r - 1], step[r - 1]
    idx = np.zeros(r, np.int64)
    base = 0
    rest = lo
    for k in range(r - 2, -1, -1):
        idx[k] = rest % dims[k]
        rest //= dims[k]
        base += idx[k] * step[k]
    # runs as rows (a run starts at a multiple of its length when the last axis stays
    # last): indexed, not viewed (a view per run cost two atomic reference-count operations)
    runs_out = out.reshape((out.size // inner, inner))
    runs_src = src.reshape((src.size // inner, inner))
    for o in range(lo, hi):
        if inner_step == 1:  # the last axis stays last: a contiguous run, copied vectorized
            rs = base // inner
            for j in range(inner):
                runs_out[o, j] = runs_src[rs, j]
        else:
            for j in range(inner):
                out[o * inner + j] = src[base + j * inner_step]
        k = r - 2
        while k >= 0:
            idx[k] += 1
            base += step[k]
            if idx[k] < dims[k]:
                break
            base -= step[k] * dims[k]
            idx[k] = 0
            k -= 1


@kernel_njit(cache=True)
def concat(parts, axis):
    return np.concatenate(parts, axis=axis)


@kernel_njit(cache=True)
def set_index(buf, i, value):
    """buf[i] = value for a C-contiguous buf (value's shape is buf[i]'s, checked by the
    caller): a flat copy, without NumPy's broadcasting assignment and its error machinery."""
    dst = buf[i].reshape(value.size)
    src = value.ravel()
    for k in range(src.size):
        dst[k] = src[k]


@kernel_njit(cache=True)
def sum_to_shape(x, target):
    """x summed down to `target` (int64s, x's rank, 1 where x was broadcast), flat: the
    gradient of broadcasting when the shapes are only known at run time. Returns
    (flat result, ok); ok is False when target does not broadcast to x's shape."""
    r = x.ndim
    shape = np.empty(r, np.int64)
    total = 1
    for d in range(r):
        shape[d] = x.shape[d]
        total *= target[d]
        if target[d] != 1 and target[d] != shape[d]:
            return np.zeros(0, x.dtype), False
    out = np.zeros(total, x.dtype)
    flat = np.ascontiguousarray(x).ravel()
    index = np.zeros(r, np.int64)
    for k in range(flat.size):
        t = 0
        for d in range(r):
            t = t * target[d] + (index[d] if target[d] != 1 else 0)
        out[t] += flat[k]
        d = r - 1
        while d >= 0:
            index[d] += 1
            if index[d] < shape[d]:
                break
            index[d] = 0
            d -= 1
    return out, True


@kernel_njit(cache=True)
def add_index(buf, i, value):
    """buf[i] += value for a C-contiguous buf (value's shape is buf[i]'s)."""
    dst = buf[i].reshape(value.size)
    src = value.ravel()
    for k in range(src.size):
        dst[k] += src[k]


@kernel_njit(cache=True)
def push_row(buf, count, value):
    """buf[count] = value, growing buf (rows [capacity, *value.shape]) by doubling; returns
    the buffer, which is new when it grew. How a While saves a value per iteration (the
    caller checks that every row has one shape)."""
    if count == 0 and buf.shape[1:] != value.shape:
        buf = np.empty((max(buf.shape[0], 8),) + value.shape, buf.dtype)
    elif count >= buf.shape[0]:
        grown = np.empty((max(2 * buf.shape[0], count + 1),) + value.shape, buf.dtype)
        grown[:count] = buf[:count]
        buf = grown
    set_index(buf, count, np.ascontiguousarray(value))
    return buf


@kernel_njit(cache=True)
def push_padded_row(buf, count, value, axes):
    """push_row for a nested loop's saved stack, whose first `axes` axes count iterations
    and may be longer or shorter each time (compiler/plan_loops.iteration_axes): those
    axes of buf grow to the longest value seen, and every row is zero-padded. The caller
    checks that the other axes agree."""
    shape = value.shape
    if count > 0:
        for i in range(axes):
            if buf.shape[i + 1] > shape[i]:
                shape = tuple_setitem(shape, i, buf.shape[i + 1])
    capacity = buf.shape[0]
    if count >= capacity:
        capacity = max(2 * capacity, count + 1, 8)
    if capacity != buf.shape[0] or shape != buf.shape[1:]:
        grown = np.zeros((capacity,) + shape, buf.dtype)
        for k in range(count):
            for index in np.ndindex(buf.shape[1:]):
                grown[(k,) + index] = buf[(k,) + index]
        buf = grown
    else:
        buf[count] = 0
    for index in np.ndindex(value.shape):
        buf[(count,) + index] = value[index]
    return buf


@kernel_njit(cache=True)
def push_scalar(buf, count, value):
    """buf[count] = value for a 1-D buf, growing it by doubling; returns the buffer."""
    if count >= buf.shape[0]:
        grown = np.empty(max(2 * buf.shape[0], count + 1, 8), buf.dtype)
        grown[:count] = buf[:count]
        buf = grown
    buf[count] = value
    return buf


@kernel_njit(cache=True)
def assign(dst, src):
    """dst[...] = src, broadcasting src."""
    dst[...] = src


# Generated code allocates through these rather than np.zeros/np.empty/np.full directly:
# Numba compiles the implementation of those afresh in every process, for every shape rank
# and dtype (about 0.1 s each, a large part of a cold start), while a cached kernel loads
# from disk in milliseconds.
@kernel_njit(cache=True)
def full(shape, value):
    return np.full(shape, value)


@kernel_njit(cache=True)
def zeros(shape, dtype):
    return np.zeros(shape, dtype)


@kernel_njit(cache=True)
def empty(shape, dtype):
    return np.empty(shape, dtype)


@kernel_njit(cache=True)
def select(cond, x, y, shape):
    return np.where(np.broadcast_to(cond, shape), x, y)


@kernel_njit(cache=True)
def summarize(out, start, x, n):
    """out[start] = x.size, out[start + 1 + i] = the first n elements (what a failed Assert
    reports about a data tensor)."""
    out[start] = x.size
    flat = x.ravel()
    for i in range(min(n, x.size)):
        out[start + 1 + i] = flat[i]


@kernel_njit(cache=True)
def any_true(x):
    for v in x.ravel():
        if v:
            return True
    return False


@kernel_njit(cache=True)
def shape_array(x):
    out = np.empty(x.ndim, np.int64)
    for i in range(x.ndim):
        out[i] = x.shape[i]
    return out


@kernel_njit(cache=True)
def qr(a):
    return np.linalg.qr(np.ascontiguousarray(a))


# --- matrix products through BLAS gemm, without temporaries ----------------------------------------
# numba_xxgemm is the BLAS entry point of Numba's helper library (scipy's BLAS), the one
# np.dot calls; a call by symbol name keeps the kernels cacheable. Arguments: kind
# ('s'/'d'), transa, transb, m, n, k, &alpha, a, lda, b, ldb, &beta, c, ldc (column-major).
_XXGEMM = types.ExternalFunction("numba_xxgemm", types.intc(
    types.char, types.char, types.char, types.intp, types.intp, types.intp, types.voidptr,
    types.voidptr, types.intp, types.voidptr, types.intp, types.voidptr, types.voidptr,
    types.intp))
_N, _T = 110, 116  # 'n', 't'


@kernel_njit(cache=True)
def _blas_ready(a):
    """a itself if BLAS can read it as a row-major matrix (unit inner stride, row stride at
    least the row length), else a contiguous copy."""
    s = a.itemsize
    if (a.shape[1] <= 1 or a.strides[1] == s) and (
            a.shape[0] <= 1 or (a.strides[0] >= a.shape[1] * s and a.strides[0] % s == 0)):
        return a
    return np.ascontiguousarray(a)


@kernel_njit(cache=True)
def _ld(a):
    """The BLAS leading dimension of a row-major matrix: its row stride in elements; the row
    length when it has one row, whose stride NumPy and Numba leave arbitrary (x[::-1] of
    one row has a negative one, which BLAS rejects)."""
    if a.shape[0] <= 1:
        return max(a.shape[1], 1)
    return a.strides[0] // a.itemsize


# Whether gemm_into multiplies by panels.py's kernel (packing op(b) per call) instead of
# OpenBLAS's gemm. It is faster at an RNN's shapes and as fast at large ones, and one
# pool of threads (Numba's) does all the products of a program: OpenBLAS's workers,
# spinning after each call, took the cores Numba's needed (the forward pass of the
# medium LSTM with its window projections by OpenBLAS and its steps by panels: 33 ms,
# all by panels: 8 ms).
PANEL_PRODUCTS = True
# A one-row product with at most this many matrix elements is computed by
# row_times_matrix instead of BLAS (a batch-1 RNN step: h @ W).
VECTOR_PRODUCT_MAX = 1 << 20


@kernel_njit(cache=True)
def row_times_matrix(x, w, y, beta):
    """y[0] = x[0] @ w + beta * y[0] for one-row matrices x and y, as a sum of w's rows
    scaled by x, four at a time. OpenBLAS's sgemm with one row is slow (1x64 @ 64x256:
    0.66 us, this 0.59; 1x256 @ 256x1024: 29.7 us, this 11.6), and a batch-1 RNN step is
    exactly that product. The inner loop runs along contiguous rows of w and vectorizes.
    (Rows are indexed, not viewed: a view costs two atomic reference-count operations.)"""
    k, n = w.shape
    for j in range(n):  # beta 0 must not read y: it may be uninitialized (NaN * 0 is NaN)
        y[0, j] = 0 if beta == 0 else y[0, j] * beta
    i = 0
    while i + 4 <= k:
        x0, x1, x2, x3 = x[0, i], x[0, i + 1], x[0, i + 2], x[0, i + 3]
        w0, w1, w2, w3 = w[i], w[i + 1], w[i + 2], w[i + 3]
        for j in range(n):
            y[0, j] += x0 * w0[j] + x1 * w1[j] + x2 * w2[j] + x3 * w3[j]
        i += 4
    while i < k:
        xi, wi = x[0, i], w[i]
        for j in range(n):
            y[0, j] += xi * wi[j]
        i += 1


@kernel_njit(cache=True)
def gemm_into(a, b, c, trans_a, trans_b, beta):
    """c = op(a) @ op(b) + beta * c in place, op = transpose when the flag is set; c is a
    row-major matrix with unit inner stride (a row slice of a C-contiguous array is)."""
    m, n = c.shape
    k = a.shape[0] if trans_a else a.shape[1]
    if m == 0 or n == 0:
        return
    scale = c.dtype.type(beta)
    if k == 0:  # (beta 0 must not read c, as BLAS does not: it may be uninitialized)
        for i in range(m):
            for j in range(n):
                c[i, j] = 0 if beta == 0 else c[i, j] * scale
        return
    if m == 1 and not trans_a and not trans_b and k * n <= VECTOR_PRODUCT_MAX:
        row_times_matrix(a, b, c, scale)
        return
    if PANEL_PRODUCTS:
        if beta != 0 and beta != 1:
            for i in range(m):
                for j in range(n):
                    c[i, j] *= scale
        panel_product(a.T if trans_a else a, pack_panels(b.T if trans_b else b), c, beta != 0)
        return
    ra, rb = _blas_ready(a), _blas_ready(b)
    s = c.itemsize
    scalars = np.empty(2, c.dtype)
    scalars[0] = 1
    scalars[1] = beta
    # Row-major C = A B is column-major C' = B' A': b goes first.
    _XXGEMM(115 if s == 4 else 100, _T if trans_b else _N, _T if trans_a else _N, n, m, k,
            scalars[0:].ctypes, rb.ctypes, _ld(rb), ra.ctypes, _ld(ra),
            scalars[1:].ctypes, c.ctypes, _ld(c))


@kernel_njit(cache=True)
def matmul_add(a, b, c):
    """a @ b + c (c of the result's shape) as a new array: one gemm with beta = 1."""
    out = c.copy()  # C-contiguous, whatever c's layout
    gemm_into(a, b, out, False, False, 1.0)
    return out


@kernel_njit(cache=True)
def add_into_panel_rows(panels, touched, r, g):
    """Rows r*B .. r*B+B-1 of the matrix `panels` holds packed (pack_panels's layout) += g
    [B, n] (r < 0 counts from the end, as the slice that read it): a step's gate gradient
    added into the deferred weight gradient's right operand, packed as it is written, so
    that the product after the loop packs nothing (the large LSTM's 12800 x 2048: 28 ms).
    The buffer starts uninitialized: the first add to a block of rows (touched[r] false)
    stores g and zeros the block's padding, later ones add (add_product_t zeros the
    blocks no step touched), so no pass zeros the whole buffer first."""
    b, n = g.shape
    if b == 0 or n == 0:
        return
    nr = panels.shape[2]
    if r < 0:
        r += touched.shape[0]
    keep = touched[r]  # (the select is hoisted out of the loops: as fast as two loop nests)
    touched[r] = True
    base = r * b
    whole = n // nr
    zero = panels.dtype.type(0)
    for jp in range(whole):  # a contiguous run of B rows per panel
        for i in range(b):
            for jj in range(nr):
                panels[jp, base + i, jj] = (panels[jp, base + i, jj] if keep else zero) + g[i, jp * nr + jj]
    if whole < panels.shape[0]:  # the last panel, zero-padded past n
        for i in range(b):
            for jj in range(nr):
                j = whole * nr + jj
                panels[whole, base + i, jj] = (panels[whole, base + i, jj] if keep else zero) + \
                    (g[i, j] if j < n else zero)


@kernel_njit(cache=True)
def add_product_t(acc, stack, panels, touched):
    """acc + stack[s, b, k]^T @ rows[s * b, n] as a new [k, n] array, rows packed as
    `panels` (add_into_panel_rows, which wrote the blocks marked in `touched`; the others
    are zeroed here): the weight gradient of a loop, summed in one product
    (plan_loops.DeferredProduct)."""
    out = acc.copy()
    s, b, k = stack.shape
    for r in range(s):
        if not touched[r]:
            for jp in range(panels.shape[0]):
                for i in range(r * b, (r + 1) * b):
                    for jj in range(panels.shape[2]):
                        panels[jp, i, jj] = 0
    if s * b > 0:
        panel_product(np.ascontiguousarray(stack).reshape((s * b, k)).T, panels, out, True)
    return out


@kernel_njit(cache=True)
def matmul(a, b, trans_a, trans_b):
    """op(a) @ op(b) for float matrices, as a new C-contiguous array."""
    m = a.shape[1] if trans_a else a.shape[0]
    n = b.shape[0] if trans_b else b.shape[1]
    out = np.empty((m, n), a.dtype)
    gemm_into(a, b, out, trans_a, trans_b, 0.0)
    return out


@kernel_njit(cache=True)
def project_window(xs, w, window):
    """window[:m] = xs [m, batch, dx] @ w [dx, n]: the input projection of m steps in one
    product, into `window` when it is large enough (else a new buffer, returned)."""
    m, b, dx = xs.shape
    window = _window_for(xs, w.shape[1], window)
    gemm_into(np.ascontiguousarray(xs).reshape((m * b, dx)), w, window[:m].reshape((m * b, w.shape[1])), False, False, 0.0)
    return window


@kernel_njit(cache=True)
def project_window_panels(xs, panels, n, window):
    """project_window with the weights packed by pack_panels (n columns)."""
    m, b, dx = xs.shape
    window = _window_for(xs, n, window)
    panel_product(np.ascontiguousarray(xs).reshape((m * b, dx)), panels, window[:m].reshape((m * b, n)), False)
    return window


@kernel_njit(cache=True)
def _window_for(xs, n, window):
    """`window` if it holds the products of xs's m steps (n columns), else a new buffer."""
    m, b, _ = xs.shape
    if window.shape[0] < m or window.shape[1] != b or window.shape[2] != n:
        window = np.empty((m, b, n), xs.dtype)
    return window


@kernel_njit(cache=True)
def raise_check():
    """Raise the error a failed run-time check reports (its id and values are in err_i/err_f)."""
    raise RuntimeError("rnngraph check")


# --- TensorArray scatter and gather (lower_tensor_array.py) ---------------------------------
# Their checks and copies, compiled once here rather than emitted inline at every use (about
# 28 lines each, a tenth of the generated code of the test suite's programs). A failed check
# reports id `base + k` for the k-th of the node's checks (lower_tensor_array._scatter_checks,
# _gather_checks) and its values in err_f, as inline checks do.
@kernel_njit(cache=True)
def _ta_fail(err_i, err_f, check, a, b):
    err_i[0] = check
    err_f[0] = a
    err_f[1] = b
    raise_check()


@kernel_njit(cache=True)
def _ta_fail_shapes(err_i, err_f, check, i, rows, other):
    """Fail reporting index i, then the dims of a row of `rows`, then those of `other`'s."""
    err_i[0] = check
    err_f[0] = i
    r = rows.ndim - 1
    for d in range(r):
        err_f[1 + d] = rows.shape[1 + d]
        err_f[1 + r + d] = other.shape[1 + d]
    raise_check()


@kernel_njit(cache=True)
def ta_scatter(buf, written, cleared, size, idx, values, dynamic, aggregate, err_i, err_f, base):
    """Write values[j] to element idx[j] of a TensorArray (buf [capacity, *element shape],
    the written/cleared masks, size) for each j, with TF1's checks; a dynamic_size array
    doubles its capacity when written past its end, a gradient (aggregate) one adds.
    Returns (buf, written, cleared, size): new arrays when it allocated or grew.

    Growth and the first write's allocation happen before the writes (a failed check
    fails the run, so no one sees the array half-written either way): arrays the loop
    rebinds are loop-carried, and Numba's copies of them cost atomic reference-count
    operations every iteration. Elements are rows of 2-D views, copied by index
    (`buf[i] = values[j]` made two views and NumPy's assignment per element)."""
    n = idx.size
    if values.shape[0] != n:
        _ta_fail(err_i, err_f, base, n, values.shape[0])
    need = size
    if dynamic:
        for j in range(n):
            need = max(need, np.int64(idx[j]) + 1)
    start = size  # the size as each element is written (a dynamic array grows as it goes)
    if need > size:
        cap = max(need, 2 * written.shape[0])
        written = grow_rows(written, cap)
        cleared = grow_rows(cleared, cap)
        if buf.shape[0] > 0:
            buf = grow_rows(buf, cap)
        size = need
    if n > 0 and buf.shape[0] < written.shape[0]:  # the first write allocates
        buf = np.zeros((written.shape[0],) + values.shape[1:], buf.dtype)
    if n > 0 and buf.shape[1:] != values.shape[1:]:
        i = np.int64(idx[0])  # the first element reports it, after its own checks
        _scatter_checks(written, cleared, start, i, dynamic, aggregate, err_i, err_f, base)
        _ta_fail_shapes(err_i, err_f, base + 4, i, values, buf)
    vals = np.ascontiguousarray(values)
    width = 1
    for k in range(1, vals.ndim):  # (an element of a scalar array is one value)
        width *= vals.shape[k]
    src = vals.reshape((n, width))
    dst = buf.reshape((buf.shape[0], width))
    for j in range(n):
        i = np.int64(idx[j])
        _scatter_checks(written, cleared, start, i, dynamic, aggregate, err_i, err_f, base)
        if dynamic:
            start = max(start, i + 1)
        if aggregate:
            for c in range(width):
                dst[i, c] += src[j, c]
        else:
            for c in range(width):
                dst[i, c] = src[j, c]
        written[i] = True
    return buf, written, cleared, size


@kernel_njit(cache=True)
def _scatter_checks(written, cleared, size, i, dynamic, aggregate, err_i, err_f, base):
    """ta_scatter's checks of writing element i into an array of `size` elements (the
    arrays grown already where a dynamic one may grow)."""
    if i < 0:
        _ta_fail(err_i, err_f, base + 1, i, size)
    if i >= size and not dynamic:
        _ta_fail(err_i, err_f, base + 2, i, size)
    if not aggregate and (written[i] or cleared[i]):
        _ta_fail(err_i, err_f, base + 3, i, 0)


@kernel_njit(cache=True)
def ta_scatter_adopting(buf, written, cleared, size, idx, values, dynamic, err_i, err_f, base):
    """ta_scatter into a new array not allocated yet (buf: [0, *its static element shape])
    of `values`, an array the program made for this scatter alone: a scatter of every
    element in order (an unstack, as dynamic_rnn's of its time-major inputs) makes values
    the array's buffer, without the zeros and the copy (the large LSTM's inputs: 13 MB of
    each); any other scatter allocates the buffer and is ta_scatter's, checks included.
    Nothing writes an element twice, so the buffer is never written after this."""
    n = idx.size
    if n > 0 and n == size and written.shape[0] == n and values.shape[1:] == buf.shape[1:]:
        whole = values.shape[0] == n
        for j in range(n):
            if idx[j] != j or written[j] or cleared[j]:
                whole = False
        if whole:
            for j in range(n):
                written[j] = True
            return np.ascontiguousarray(values), written, cleared, size
    buf = np.zeros((written.shape[0],) + buf.shape[1:], buf.dtype)
    return ta_scatter(buf, written, cleared, size, idx, values, dynamic, False, err_i, err_f, base)


@kernel_njit(cache=True)
def ta_gather(buf, written, cleared, size, idx, clear_after_read, shape_unknown, merged, viewable, err_i,
              err_f, base):
    """The elements idx of a TensorArray as one array, with TF1's checks of each read
    (`shape_unknown`: its static element shape is not fully defined, so reading an
    unwritten element fails, and so does an empty gather unless a write fixed the shape of
    a `merged` (infer_shape) array). Gathering every element in order, each written, from
    a `viewable` array (not a gradient one, whose writes add up) returns the buffer
    itself: an element is written once, so nothing changes it later."""
    k = idx.size
    if shape_unknown and k == 0 and (not merged or buf.shape[0] < written.shape[0]):
        _ta_fail(err_i, err_f, base, 0, 0)
    whole = k == buf.shape[0]
    for j in range(k):
        i = np.int64(idx[j])
        if i < 0 or i >= size:
            _ta_fail(err_i, err_f, base + 1, i, size)
        if cleared[i]:
            _ta_fail(err_i, err_f, base + 2, i, 0)
        if shape_unknown and not written[i] and buf.shape[0] < written.shape[0]:
            _ta_fail(err_i, err_f, base + 3, i, 0)
        if clear_after_read:
            cleared[i] = True
        if i != j or not written[i]:
            whole = False
    if viewable and whole:
        return buf
    rows = np.empty((k,) + buf.shape[1:], buf.dtype)
    for j in range(k):
        rows[j] = buf[idx[j]]
    return rows
