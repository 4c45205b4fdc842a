"""Philox4x32-10, the counter-based generator behind TF's random ops, in vectorized NumPy.

Counter-based means the n-th draw of a stream is a pure function of (key, counter): every
target (reference, cpu, cuda) produces the same bits for the same seeds, and a stream can
be split across threads without shared state.
"""
import numpy as np

_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = np.uint32(0x9E3779B9)
_W1 = np.uint32(0xBB67AE85)
_LO = np.uint64(0xFFFFFFFF)
_ROUNDS = 10


def philox_blocks(key, counter_hi, start_block, n_blocks):
    """uint32 array [n_blocks, 4]: Philox4x32-10 of counters (block, 0, counter_hi lo/hi).

    key: two uint32 words; counter_hi: a 64-bit stream position (which call of the op);
    start_block: the first block index (each block yields four 32-bit words).
    """
    blocks = np.arange(start_block, start_block + n_blocks, dtype=np.uint64)
    c0 = (blocks & _LO).astype(np.uint32)
    c1 = (blocks >> np.uint64(32)).astype(np.uint32)
    c2 = np.full(n_blocks, counter_hi & 0xFFFFFFFF, dtype=np.uint32)
    c3 = np.full(n_blocks, (counter_hi >> 32) & 0xFFFFFFFF, dtype=np.uint32)
    k0, k1 = np.uint32(key[0] & 0xFFFFFFFF), np.uint32(key[1] & 0xFFFFFFFF)
    with np.errstate(over="ignore"):
        for _ in range(_ROUNDS):
            p0 = _M0 * c0.astype(np.uint64)
            p1 = _M1 * c2.astype(np.uint64)
            hi0, lo0 = (p0 >> np.uint64(32)).astype(np.uint32), (p0 & _LO).astype(np.uint32)
            hi1, lo1 = (p1 >> np.uint64(32)).astype(np.uint32), (p1 & _LO).astype(np.uint32)
            c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
            k0 = np.uint32(k0 + _W0)
            k1 = np.uint32(k1 + _W1)
    return np.stack([c0, c1, c2, c3], axis=1)


def uint32_stream(key, counter_hi, n, offset=0):
    """n uint32 words of the stream, starting at word `offset` (a multiple of 4)."""
    n_blocks = -(-n // 4)
    return philox_blocks(key, counter_hi, offset // 4, n_blocks).ravel()[:n]


def to_unit_float32(bits):
    """uint32 -> float32 uniform in [0, 1) from the top 23 bits (TF's Uint32ToFloat)."""
    return ((bits >> np.uint32(9)) | np.uint32(0x3F800000)).view(np.float32) - np.float32(1.0)


def to_unit_float64(hi, lo):
    """Two uint32 -> float64 uniform in [0, 1) from 52 bits (TF's Uint64ToDouble)."""
    bits = (hi.astype(np.uint64) << np.uint64(32)) | lo.astype(np.uint64)
    bits = (bits >> np.uint64(12)) | np.uint64(0x3FF0000000000000)
    return bits.view(np.float64) - 1.0


def box_muller(u1, u2):
    """Two uniforms -> two independent standard normals (TF's BoxMuller, with its epsilon)."""
    eps = u1.dtype.type(1e-7)
    u1 = np.maximum(u1, eps)
    radius = np.sqrt(-2 * np.log(u1))
    theta = u1.dtype.type(2 * np.pi) * u2
    return radius * np.sin(theta), radius * np.cos(theta)
