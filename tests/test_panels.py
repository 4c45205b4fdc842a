"""panels.py's packed-matrix products (and gemm_into, which multiplies through them) against
NumPy: every row remainder of the micro-kernel (blocks of 8, 4, 2, 1 rows), panels cut
short by the output's width, row blocks, both dtypes, operands of any strides, the
threaded path, and shape errors instead of out-of-bounds access."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.targets.cpu import kernels, panels

DTYPES = [np.float32, np.float64]


def _tol(dtype, k=40):
    """Rounding of a sum of k unit-sized products (float32: about sqrt(k) * 1e-7 each)."""
    scale = max(1.0, np.sqrt(k / 40))
    return dict(rtol=2e-5, atol=2e-5 * scale) if dtype == np.float32 else \
        dict(rtol=1e-12, atol=1e-12 * scale)


def _layout(x, how):
    """x with the same values and another memory layout."""
    if how == "fortran":
        return np.asfortranarray(x)
    if how == "reversed":
        return np.ascontiguousarray(x[::-1])[::-1]
    if how == "strided":
        wide = np.zeros((x.shape[0], 2 * x.shape[1] + 1), x.dtype)
        wide[:, 1::2] = x
        return wide[:, 1::2]
    return x


@settings(max_examples=60, deadline=None)
@given(m=st.integers(0, 19), k=st.integers(0, 40), n=st.integers(1, 70),
       dtype=st.sampled_from(DTYPES), accumulate=st.booleans(),
       layout=st.sampled_from(["c", "fortran", "reversed", "strided"]), seed=st.integers(0, 99))
def test_panel_product_matches_numpy(m, k, n, dtype, accumulate, layout, seed):
    rng = np.random.default_rng(seed)
    a = _layout(rng.standard_normal((m, k)).astype(dtype), layout)
    b = rng.standard_normal((k, n)).astype(dtype)
    c = rng.standard_normal((m, n)).astype(dtype)
    expected = a @ b + (c if accumulate else 0)
    packed = panels.pack_panels(b)
    panels.panel_product(a, packed, c, accumulate)
    np.testing.assert_allclose(c, expected, **_tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_pack_panels_layout_and_zero_padding(dtype):
    b = np.arange(5 * 37, dtype=dtype).reshape(5, 37)
    packed = panels.pack_panels(b)
    nr = panels.panel_width(dtype)
    assert packed.shape == (-(-37 // nr), 5, nr)
    flat = np.concatenate(list(packed), axis=1)  # [5, panels * nr]
    assert np.array_equal(flat[:, :37], b)
    assert not flat[:, 37:].any()
    assert np.array_equal(panels.pack_panels(np.asfortranarray(b)), packed)  # any strides


@pytest.mark.parametrize("dtype", DTYPES)
def test_threaded_and_row_blocked_products(dtype):
    """Above SERIAL_MAX the panels run on Numba's threads (inside the registered C entry
    point); above ROW_BLOCK rows, block by block; above DEPTH_BLOCK inner indices, in
    passes that add up; a transposed view packs the transpose; 2810 columns leave a last
    panel narrower than NR."""
    rng = np.random.default_rng(1)
    m = panels.ROW_BLOCK * 2 + 13
    k = panels.DEPTH_BLOCK + 37
    a = rng.standard_normal((m, k)).astype(dtype)
    b = rng.standard_normal((2810, k)).astype(dtype)
    assert m * k * 2810 > panels.SERIAL_MAX and 2810 % panels.panel_width(dtype)
    c = np.empty((m, 2810), dtype)
    panels.panel_product(a, panels.pack_panels(b.T), c, False)
    np.testing.assert_allclose(c, a @ b.T, **_tol(dtype, k))


@pytest.mark.parametrize("dtype", DTYPES)
def test_panel_columns_writes_only_its_columns_from_any_thread(dtype):
    """Each part of a parallel loop computes NR columns (panels.panel_columns, what a cell's
    loop runs for its own gates): together the whole product, each part nothing else; a
    range that is not whole panels is an error, not a write past them."""
    from numba import njit, prange

    @njit(parallel=True)
    def by_parts(a, packed, c, nr, accumulate):
        for part in prange(c.shape[1] // nr):
            panels.panel_columns(a, packed, c, part * nr, part * nr + nr, accumulate)

    rng = np.random.default_rng(3)
    nr = panels.panel_width(dtype)
    a = rng.standard_normal((13, 29)).astype(dtype)
    b = rng.standard_normal((29, 4 * nr)).astype(dtype)
    packed = panels.pack_panels(b)
    c = rng.standard_normal((13, 4 * nr)).astype(dtype)
    expected = c + a @ b
    by_parts(a, packed, c, nr, True)
    np.testing.assert_allclose(c, expected, **_tol(dtype))
    c = np.full((13, 4 * nr), np.nan, dtype)
    panels.panel_columns(a, packed, c, nr, 3 * nr, False)
    np.testing.assert_allclose(c[:, nr:3 * nr], (a @ b)[:, nr:3 * nr], **_tol(dtype))
    assert np.isnan(c[:, :nr]).all() and np.isnan(c[:, 3 * nr:]).all()
    for c0, c1 in [(1, nr + 1), (0, nr + 1), (3 * nr, 5 * nr), (-nr, 0)]:
        with pytest.raises(ValueError, match="do not agree"):
            panels.panel_columns(a, packed, c, c0, c1, False)


def test_mismatched_shapes_raise_instead_of_reading_out_of_bounds():
    a = np.ones((4, 3), np.float32)
    packed = panels.pack_panels(np.ones((3, 40), np.float32))
    for c, bad in [(np.zeros((5, 40), np.float32), a),                        # rows
                   (np.zeros((4, 40), np.float32), np.ones((4, 2), np.float32)),  # inner
                   (np.zeros((4, 200), np.float32), a)]:                      # too wide
        with pytest.raises(ValueError, match="do not agree"):
            panels.panel_product(bad, packed, c, False)
    with pytest.raises(ValueError, match="not contiguous"):
        panels.panel_product(a, packed, np.zeros((4, 80), np.float32)[:, ::2], False)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("trans_a", [False, True])
@pytest.mark.parametrize("trans_b", [False, True])
@pytest.mark.parametrize("beta", [0.0, 1.0, -0.5])
def test_gemm_into_through_panels(dtype, trans_a, trans_b, beta):
    """Every transpose flag and beta; beta 0 never reads c (NaN there must not leak)."""
    assert kernels.PANEL_PRODUCTS
    rng = np.random.default_rng(2)
    for m, k, n in [(1, 7, 9), (6, 33, 70), (41, 5, 3)]:
        a = rng.standard_normal((k, m) if trans_a else (m, k)).astype(dtype)
        b = rng.standard_normal((n, k) if trans_b else (k, n)).astype(dtype)
        c = np.full((m, n), np.nan, dtype) if beta == 0 else rng.standard_normal((m, n)).astype(dtype)
        expected = (a.T if trans_a else a) @ (b.T if trans_b else b) + (beta * c if beta else 0)
        kernels.gemm_into(a, b, c, trans_a, trans_b, beta)
        np.testing.assert_allclose(c, expected, **_tol(dtype))
