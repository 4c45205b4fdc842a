"""Numba kernels the generated code calls: elementwise functions NumPy lacks in Numba,
reductions over static axes, batched and integer matmul, gathers and scatters with their
bounds already checked, and the Philox random streams (bit-identical to the reference's).

All are compiled once and cached on disk with the package (cache=True).
"""
import math

import numpy as np
from numba import njit, vectorize

_F = ["float32(float32)", "float64(float64)"]


@vectorize(_F, cache=True)
def sigmoid(x):
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    z = math.exp(x)
    return z / (1 + z)


@vectorize(_F, cache=True)
def softplus(x):
    if x > 0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))


@vectorize(_F, cache=True)
def erf(x):
    return math.erf(x)


@vectorize(_F, cache=True)
def round_half_even(x):
    r = math.floor(x + 0.5)
    if r - x == 0.5 and r % 2 != 0:
        r -= 1
    return r


@vectorize(["int32(int32, int32)", "int64(int64, int64)"], cache=True)
def truncate_div(x, y):
    q = abs(x) // abs(y)
    return -q if (x < 0) != (y < 0) else q


# --- reductions over the last axis of a 2-D array (rows = kept positions) -----------------------
@njit(cache=True)
def sum_rows(a, out, zero):
    """Row sums accumulated from `zero`: float64 0.0 for floats (more precise than a float32
    running sum), int64 0 for integers."""
    for i in range(a.shape[0]):
        acc = zero
        for j in range(a.shape[1]):
            acc += a[i, j]
        out[i] = acc
    return out


@njit(cache=True)
def prod_rows(a, out):
    for i in range(a.shape[0]):
        acc = a.dtype.type(1)
        for j in range(a.shape[1]):
            acc *= a[i, j]
        out[i] = acc
    return out


@njit(cache=True)
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


@njit(cache=True)
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


@njit(cache=True)
def all_rows(a, out):
    for i in range(a.shape[0]):
        acc = True
        for j in range(a.shape[1]):
            if not a[i, j]:
                acc = False
                break
        out[i] = acc
    return out


@njit(cache=True)
def any_rows(a, out):
    for i in range(a.shape[0]):
        acc = False
        for j in range(a.shape[1]):
            if a[i, j]:
                acc = True
                break
        out[i] = acc
    return out


@njit(cache=True)
def argmax_rows(a, out):
    for i in range(a.shape[0]):
        best, k = a[i, 0], 0
        for j in range(1, a.shape[1]):
            if a[i, j] > best or (a[i, j] != a[i, j] and best == best):
                best, k = a[i, j], j
        out[i] = k
    return out


@njit(cache=True)
def argmin_rows(a, out):
    for i in range(a.shape[0]):
        best, k = a[i, 0], 0
        for j in range(1, a.shape[1]):
            if a[i, j] < best or (a[i, j] != a[i, j] and best == best):
                best, k = a[i, j], j
        out[i] = k
    return out


# --- matmul ----------------------------------------------------------------------------------
@njit(cache=True)
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
@njit(cache=True)
def first_out_of_range(indices, limit):
    """Flat position of the first index outside [0, limit), or -1."""
    flat = indices.ravel()
    for i in range(flat.size):
        if flat[i] < 0 or flat[i] >= limit:
            return i
    return -1


@njit(cache=True)
def gather_rows(params, indices):
    """params [n, m] (already 2-D), indices 1-D, checked: out[i] = params[indices[i]]."""
    out = np.empty((indices.size, params.shape[1]), params.dtype)
    for i in range(indices.size):
        out[i] = params[indices[i]]
    return out


@njit(cache=True)
def gather_mid(params, indices):
    """params [a, n, b], indices 1-D: out[:, i, :] = params[:, indices[i], :]."""
    out = np.empty((params.shape[0], indices.size, params.shape[2]), params.dtype)
    for i in range(indices.size):
        out[:, i, :] = params[:, indices[i], :]
    return out


@njit(cache=True)
def segment_sum(data, ids, num):
    """data [n, m] (2-D), ids [n]: rows with id k added into out[k]; negative ids dropped."""
    out = np.zeros((num, data.shape[1]), data.dtype)
    for i in range(ids.size):
        k = ids[i]
        if k >= 0:
            out[k] += data[i]
    return out


@njit(cache=True)
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


@njit(cache=True)
def range_values(start, delta, n, out):
    """TF's Range: value_i = value_{i-1} + delta, accumulated in the output dtype."""
    val = start
    for i in range(n):
        out[i] = val
        val = out.dtype.type(val + delta)
    return out


@njit(cache=True)
def reverse_sequence_2d(x, lengths, out):
    """x, out [batch, time, rest]: out[b, :len] = x[b, len-1::-1], the tail unchanged."""
    for b in range(x.shape[0]):
        n = lengths[b]
        for t in range(x.shape[1]):
            src = n - 1 - t if t < n else t
            out[b, t] = x[b, src]
    return out


# --- Philox4x32-10, identical to rnngraph/primitives/philox.py -------------------------------------
@njit(cache=True)
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


@njit(cache=True)
def uniform_f32(k0, k1, call, offset, n):
    w = philox_words(k0, k1, call, offset, n)
    out = np.empty(n, np.float32)
    for i in range(n):
        bits = np.uint32((w[i] >> np.uint32(9)) | np.uint32(0x3F800000))
        out[i] = np.float32(np.array([bits]).view(np.float32)[0] - np.float32(1.0))
    return out


@njit(cache=True)
def uniform_f64(k0, k1, call, offset, n):
    w = philox_words(k0, k1, call, offset, 2 * n)
    out = np.empty(n, np.float64)
    for i in range(n):
        bits = (np.uint64(w[2 * i]) << np.uint64(32)) | np.uint64(w[2 * i + 1])
        bits = (bits >> np.uint64(12)) | np.uint64(0x3FF0000000000000)
        out[i] = np.array([bits]).view(np.float64)[0] - 1.0
    return out


@njit(cache=True)
def _uniform(k0, k1, call, offset, n, is32):
    if is32:
        return uniform_f32(k0, k1, call, offset, n).astype(np.float64)
    return uniform_f64(k0, k1, call, offset, n)


@njit(cache=True)
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


@njit(cache=True)
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


@njit(cache=True)
def uniform_int(k0, k1, call, n, lo, hi):
    w = philox_words(k0, k1, call, 0, 2 * n)
    out = np.empty(n, np.int64)
    span = np.uint64(hi - lo)
    for i in range(n):
        wide = (np.uint64(w[2 * i]) << np.uint64(32)) | np.uint64(w[2 * i + 1])
        out[i] = lo + np.int64(wide % span)
    return out


@njit(cache=True)
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


@njit(cache=True)
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
@njit(cache=True)
def contiguous(x):
    return np.ascontiguousarray(x)


@njit(cache=True)
def reshape(x, shape):
    return np.ascontiguousarray(x).reshape(shape)


@njit(cache=True)
def transpose(x, perm):
    return np.ascontiguousarray(np.transpose(x, perm))


@njit(cache=True)
def concat(parts, axis):
    return np.concatenate(parts, axis=axis)


@njit(cache=True)
def dot(a, b):
    return np.dot(np.ascontiguousarray(a), np.ascontiguousarray(b))


@njit(cache=True)
def set_index(buf, i, value):
    """buf[i] = value (value's shape is buf[i]'s, checked by the caller)."""
    buf[i] = value


@njit(cache=True)
def assign(dst, src):
    """dst[...] = src, broadcasting src."""
    dst[...] = src


@njit(cache=True)
def full(shape, value):
    return np.full(shape, value)


@njit(cache=True)
def select(cond, x, y, shape):
    return np.where(np.broadcast_to(cond, shape), x, y)


@njit(cache=True)
def any_true(x):
    for v in x.ravel():
        if v:
            return True
    return False


@njit(cache=True)
def shape_array(x):
    out = np.empty(x.ndim, np.int64)
    for i in range(x.ndim):
        out[i] = x.shape[i]
    return out


@njit(cache=True)
def qr(a):
    return np.linalg.qr(np.ascontiguousarray(a))


@njit(cache=True)
def project_window(xs, w):
    """xs [m, batch, dx] @ w [dx, n] for m steps at once -> [m, batch, n]."""
    m, b, dx = xs.shape
    flat = np.ascontiguousarray(xs).reshape((m * b, dx))
    return np.dot(flat, np.ascontiguousarray(w)).reshape((m, b, w.shape[1]))


@njit(cache=True)
def dot_add(a, b, c):
    """a @ b + c (c broadcast over rows)."""
    out = np.dot(np.ascontiguousarray(a), np.ascontiguousarray(b))
    out += c
    return out
