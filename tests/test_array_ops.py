"""Array ops: values against NumPy, static shape inference (incl. unknown dims that
become known from feeds), and clear errors for bad shapes and indices."""
import numpy as np
import pytest

import rnngraph as tf
from rnngraph import errors

R = np.random.RandomState(1)
A = R.randn(2, 3, 4).astype(np.float32)


def test_reshape(sess):
    x = tf.placeholder(tf.float32, [None, 3, 4])
    r = tf.reshape(x, [-1, 4])
    assert r.shape.as_list() == [None, 4]
    assert tf.reshape(tf.constant(A), [6, -1]).shape.as_list() == [6, 4]
    dyn = tf.reshape(x, tf.stack([tf.shape(x)[0], 12]))
    assert dyn.shape.as_list() == [None, 12]
    out = sess.run([r, dyn], {x: A})
    np.testing.assert_array_equal(out[0], A.reshape(-1, 4))
    np.testing.assert_array_equal(out[1], A.reshape(2, 12))
    with pytest.raises(ValueError, match="Cannot reshape a tensor with 24 elements"):
        tf.reshape(tf.constant(A), [5, 5])
    with pytest.raises(errors.InvalidArgumentError, match="24 elements.*'Placeholder:0' \\[2,3,4\\]"):
        sess.run(tf.reshape(x, [-1, 5]), {x: A})


def test_transpose_expand_squeeze(sess):
    a = tf.constant(A)
    out = sess.run([tf.transpose(a), tf.transpose(a, [1, 0, 2]), tf.expand_dims(a, -1),
                    tf.expand_dims(a, 0), tf.squeeze(tf.constant(np.zeros((1, 3, 1)))),
                    tf.squeeze(tf.constant(np.zeros((1, 3, 1))), [2])])
    assert out[0].shape == (4, 3, 2) and np.array_equal(out[0], A.T)
    assert np.array_equal(out[1], A.transpose(1, 0, 2))
    assert out[2].shape == (2, 3, 4, 1) and out[3].shape == (1, 2, 3, 4)
    assert out[4].shape == (3,) and out[5].shape == (1, 3)
    with pytest.raises(ValueError, match="Can not squeeze dim\\[1\\]"):
        tf.squeeze(a, [1])
    x = tf.placeholder(tf.float32, [None, 3])
    assert tf.expand_dims(x, 1).shape.as_list() == [None, 1, 3]
    with pytest.raises(ValueError, match="out of bounds"):
        tf.expand_dims(x, 4)


def test_split_along_an_axis_of_unknown_size(sess):
    """TF1 splits at run time when the axis's size is unknown while building: equal parts,
    and an InvalidArgumentError when the count does not divide the size."""
    x = tf.placeholder(tf.float32, [2, None])
    parts = tf.split(x, 3, axis=1)
    assert all(p.shape.ndims == 2 for p in parts)
    value = np.arange(12, dtype=np.float32).reshape(2, 6)
    got = sess.run(parts, {x: value})
    for got_part, want in zip(got, np.split(value, 3, axis=1)):
        np.testing.assert_array_equal(got_part, want)
    with pytest.raises(errors.InvalidArgumentError,
                       match="evenly divide the split dimension.*split_dim 1 and num_split 3"):
        sess.run(parts, {x: np.zeros((2, 4), np.float32)})


def test_concat_stack_unstack_split(sess):
    a, b = tf.constant(A), tf.constant(A * 2)
    c = tf.concat([a, b], -1)
    assert c.shape.as_list() == [2, 3, 8]
    s = tf.stack([a, b], axis=1)
    assert s.shape.as_list() == [2, 2, 3, 4]
    parts = tf.unstack(a, axis=1)
    sp = tf.split(a, 2, axis=2)
    sz = tf.split(a, [1, -1], axis=1)
    out = sess.run([c, s, parts, sp, sz])
    np.testing.assert_array_equal(out[0], np.concatenate([A, A * 2], -1))
    np.testing.assert_array_equal(out[1], np.stack([A, A * 2], 1))
    assert len(out[2]) == 3 and np.array_equal(out[2][1], A[:, 1])
    np.testing.assert_array_equal(out[3][1], A[:, :, 2:])
    assert out[4][1].shape == (2, 2, 4)
    with pytest.raises(ValueError, match="Dimension 1 in both shapes must be equal"):
        tf.concat([a, tf.constant(np.zeros((2, 5, 4), np.float32))], 2)
    with pytest.raises(ValueError, match="evenly divisible"):
        tf.split(a, 3, axis=2)
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.placeholder(tf.float32, [None, 3])
    with pytest.raises(errors.InvalidArgumentError, match="must be equal, but are 2 and 3"):
        sess.run(tf.concat([x, y], 1), {x: np.zeros((2, 3)), y: np.zeros((3, 3))})
    assert tf.stack([1, 2, 3]).dtype == tf.int32


def test_slice_and_strided_slice(sess):
    a = tf.constant(A)
    i = tf.placeholder(tf.int32, [], name="i")
    cases = {
        "a[0]": (a[0], A[0]), "a[-1]": (a[-1], A[-1]), "a[:, 1:]": (a[:, 1:], A[:, 1:]),
        "a[..., ::2]": (a[..., ::2], A[..., ::2]), "a[::-1]": (a[::-1], A[::-1]),
        "a[:, -1, :]": (a[:, -1, :], A[:, -1, :]), "a[None, 0]": (a[None, 0], A[None, 0]),
        "a[1, ..., None]": (a[1, ..., None], A[1, ..., None]), "a[:, 5:]": (a[:, 5:], A[:, 5:]),
        "a[0, 2:0:-1]": (a[0, 2:0:-1], A[0, 2:0:-1]), "a[i]": (a[i], A[1]),
        "slice": (tf.slice(a, [0, 1, 0], [-1, 2, 3]), A[:, 1:3, 0:3]),
        "strided": (tf.strided_slice(a, [0, 0, 1], [2, 3, 4], [1, 2, 2]), A[0:2, 0:3:2, 1:4:2]),
    }
    out = sess.run({k: v[0] for k, v in cases.items()}, {i: 1})
    for k, (t, ref) in cases.items():
        np.testing.assert_array_equal(out[k], ref, err_msg=k)
        assert t.shape.is_compatible_with(ref.shape), k
    assert a[:, -1].shape.as_list() == [2, 4]
    assert a[i].shape.as_list() == [3, 4]
    x = tf.placeholder(tf.float32, [None, None, 5])
    assert x[:, -1].shape.as_list() == [None, 5]
    with pytest.raises(ValueError, match="out of bounds"):
        a[5]
    with pytest.raises(errors.InvalidArgumentError, match="out of bounds"):
        sess.run(a[i], {i: 7})
    with pytest.raises(TypeError, match="valid indices"):
        a[[0, 1]]
    with pytest.raises(ValueError, match="Expected size"):
        tf.slice(a, [0, 2, 0], [1, 3, 1])
    begin = tf.placeholder(tf.int32, [3])
    with pytest.raises(errors.InvalidArgumentError, match="Expected begin"):
        sess.run(tf.slice(a, begin, [1, 3, 1]), {begin: [0, 2, 0]})


def test_gather_and_embedding_errors(sess):
    params = tf.constant(np.arange(12, dtype=np.float32).reshape(4, 3), name="params")
    ids = tf.placeholder(tf.int32, [None], name="ids")
    g0 = tf.gather(params, ids)
    g1 = tf.gather(params, [[2, 0]], axis=1)
    assert g0.shape.as_list() == [None, 3] and g1.shape.as_list() == [4, 1, 2]
    out = sess.run([g0, g1], {ids: [3, 0, 3]})
    np.testing.assert_array_equal(out[0], np.arange(12).reshape(4, 3)[[3, 0, 3]])
    np.testing.assert_array_equal(out[1], np.arange(12).reshape(4, 3)[:, [[2, 0]]])
    with pytest.raises(errors.InvalidArgumentError) as e:
        sess.run(g0, {ids: [1, 4]})
    msg = str(e.value)
    assert "indices[1] = 4 is not in [0, 4)" in msg and "'ids:0'" in msg and "GatherV2" in msg
    with pytest.raises(errors.InvalidArgumentError, match=r"indices\[0\] = -1"):
        sess.run(g0, {ids: [-1]})


def test_one_hot(sess):
    idx = tf.constant([0, 2, -1, 5])
    out = sess.run([tf.one_hot(idx, 3), tf.one_hot(idx, 3, on_value=5.0, off_value=-1.0, axis=0),
                    tf.one_hot(tf.constant([[1], [0]]), 2, dtype=tf.int32)])
    ref = np.array([[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]], np.float32)
    np.testing.assert_array_equal(out[0], ref)
    np.testing.assert_array_equal(out[1], np.where(ref.T == 1, 5.0, -1.0))
    assert out[2].dtype == np.int32 and out[2].shape == (2, 1, 2)


def test_fill_zeros_ones_like(sess):
    x = tf.placeholder(tf.float32, [None, 2])
    z = tf.zeros(tf.shape(x), tf.int32)
    assert z.shape.as_list() == [None, 2]
    o = tf.ones_like(x)
    zl = tf.zeros_like(tf.constant([[1, 2]]), dtype=tf.float64)
    f = tf.fill([2, tf.shape(x)[0]], 7.0)
    assert f.shape.as_list() == [2, None]
    out = sess.run([z, o, zl, f, tf.zeros([2, 3]), tf.ones([1], tf.int64)], {x: np.zeros((3, 2))})
    assert out[0].dtype == np.int32 and out[0].shape == (3, 2)
    assert np.all(out[1] == 1) and out[1].shape == (3, 2)
    assert out[2].dtype == np.float64
    assert out[3].shape == (2, 3) and np.all(out[3] == 7)
    assert out[5].dtype == np.int64
    with pytest.raises(errors.InvalidArgumentError, match="Fill dimensions"):
        d = tf.placeholder(tf.int32, [2])
        sess.run(tf.fill(d, 1.0), {d: [2, -1]})


def test_range_shape_size_rank(sess):
    x = tf.placeholder(tf.float32, [None, 3])
    n = tf.placeholder(tf.int32, [])
    r = tf.range(n)
    assert r.shape.as_list() == [None] and tf.range(2, 11, 3).shape.as_list() == [3]
    out = sess.run([r, tf.range(5.0, 1.0, -1.5), tf.shape(x), tf.size(x), tf.rank(x)],
                   {n: 4, x: np.zeros((2, 3))})
    np.testing.assert_array_equal(out[0], [0, 1, 2, 3])
    np.testing.assert_allclose(out[1], [5.0, 3.5, 2.0])
    assert out[1].dtype == np.float32
    np.testing.assert_array_equal(out[2], [2, 3])
    assert out[3] == 6 and out[4] == 2
    with pytest.raises(errors.InvalidArgumentError, match="start <= limit"):
        sess.run(tf.range(n, 0, 1), {n: 3})


def test_tile_pad_reverse(sess):
    a = tf.constant(A[0])
    out = sess.run([tf.tile(a, [2, 1]), tf.pad(a, [[1, 0], [0, 2]]),
                    tf.pad(a, [[1, 1], [2, 2]], "REFLECT"), tf.pad(a, [[2, 2], [1, 1]], "SYMMETRIC"),
                    tf.pad(a, [[0, 1], [0, 0]], constant_values=9.0), tf.reverse(a, [-1]),
                    tf.reverse(a, [0, 1])])
    np.testing.assert_array_equal(out[0], np.tile(A[0], (2, 1)))
    np.testing.assert_array_equal(out[1], np.pad(A[0], [[1, 0], [0, 2]]))
    np.testing.assert_array_equal(out[2], np.pad(A[0], [[1, 1], [2, 2]], "reflect"))
    np.testing.assert_array_equal(out[3], np.pad(A[0], [[2, 2], [1, 1]], "symmetric"))
    assert np.all(out[4][-1] == 9.0)
    np.testing.assert_array_equal(out[5], A[0][:, ::-1])
    np.testing.assert_array_equal(out[6], A[0][::-1, ::-1])
    with pytest.raises(errors.InvalidArgumentError, match="paddings must be non-negative and at most"):
        sess.run(tf.pad(a, [[3, 0], [0, 0]], "REFLECT"))


@pytest.mark.parametrize("mode", ["CONSTANT", "REFLECT", "SYMMETRIC"])
def test_pad_with_fed_paddings(sess, mode):
    """Paddings known only at run time: the cpu target compiles them too, and validates them
    before it writes (negative, or more than the mirror has)."""
    x = tf.placeholder(tf.float64, [None, None, 3])
    p = tf.placeholder(tf.int32, [3, 2])
    y = tf.pad(x, p, mode, constant_values=0.5) if mode == "CONSTANT" else tf.pad(x, p, mode)
    v = np.arange(24.0).reshape(2, 4, 3)
    for pads in ([[1, 1], [3, 0], [0, 2]], [[0, 0], [0, 0], [0, 0]], [[1, 0], [2, 3], [1, 1]]):
        expected = np.pad(v, pads, "constant", constant_values=0.5) if mode == "CONSTANT" \
            else np.pad(v, pads, mode.lower())
        np.testing.assert_array_equal(sess.run(y, {x: v, p: pads}), expected)
    bad = [[[0, 0], [-1, 0], [0, 0]]] + ([] if mode == "CONSTANT" else
                                         [[[2, 0], [0, 0], [0, 0]] if mode == "REFLECT"
                                          else [[3, 0], [0, 0], [0, 0]]])
    for pads in bad:
        with pytest.raises(errors.InvalidArgumentError, match="paddings must be non-negative"):
            sess.run(y, {x: v, p: pads})


def test_reverse_sequence(sess):
    x = tf.placeholder(tf.float32, [None, None, 2])
    lengths = tf.placeholder(tf.int32, [None])
    y = tf.reverse_sequence(x, lengths, seq_axis=1, batch_axis=0)
    tm = tf.reverse_sequence(tf.transpose(x, [1, 0, 2]), lengths, seq_axis=0, batch_axis=1)
    v = np.arange(12, dtype=np.float32).reshape(2, 3, 2)
    out = sess.run([y, tm], {x: v, lengths: [2, 3]})
    ref = v.copy()
    ref[0, :2] = v[0, 1::-1]
    ref[1] = v[1, ::-1]
    np.testing.assert_array_equal(out[0], ref)
    np.testing.assert_array_equal(out[1], ref.transpose(1, 0, 2))
    with pytest.raises(errors.InvalidArgumentError, match=r"seq_lens\(1\) = 4 is outside \[0, 3\]"):
        sess.run(y, {x: v, lengths: [2, 4]})
    with pytest.raises(errors.InvalidArgumentError, match="len\\(seq_lengths\\)"):
        sess.run(y, {x: v, lengths: [2]})


def test_where_select_and_indices(sess):
    cond = tf.constant([True, False])
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    y = tf.constant([[9.0, 9.0], [8.0, 8.0]])
    full = tf.constant([[True, False], [False, True]])
    out = sess.run([tf.where(cond, x, y), tf.where(full, x, y), tf.where(full),
                    tf.where_v2(cond, x, 0.0)])
    np.testing.assert_array_equal(out[0], [[1, 2], [8, 8]])  # TF1: rank-1 cond picks rows
    np.testing.assert_array_equal(out[1], [[1, 9], [8, 4]])
    np.testing.assert_array_equal(out[2], [[0, 0], [1, 1]])
    assert out[2].dtype == np.int64
    np.testing.assert_array_equal(out[3], [[1, 0], [3, 0]])  # v2 broadcasts along the last axis
    with pytest.raises(ValueError):
        tf.where(cond, x, tf.constant([1.0, 2.0]))


def test_sequence_mask(sess):
    lengths = tf.constant([1, 3, 0])
    out = sess.run([tf.sequence_mask(lengths), tf.sequence_mask(lengths, 4, tf.float32)])
    np.testing.assert_array_equal(out[0], [[1, 0, 0], [1, 1, 1], [0, 0, 0]])
    assert out[1].shape == (3, 4) and out[1].dtype == np.float32


def test_placeholder_with_default(sess):
    d = tf.placeholder_with_default(tf.constant([1.0, 2.0]), [None])
    assert d.shape.as_list() == [None]
    np.testing.assert_array_equal(sess.run(d), [1.0, 2.0])
    np.testing.assert_array_equal(sess.run(d, {d: [5.0]}), [5.0])


def test_identity_and_stop_gradient(sess):
    a = tf.constant(A)
    out = sess.run([tf.identity(a), tf.stop_gradient(a)])
    assert np.array_equal(out[0], A) and np.array_equal(out[1], A)
    assert tf.stop_gradient(a).op.type == "StopGradient"


def test_constant_forms(sess):
    out = sess.run([tf.constant(1.5, shape=[2, 2]), tf.constant([1, 2, 3, 4], shape=[2, 2]),
                    tf.constant(3, dtype=tf.float64), tf.constant(np.arange(3))])
    assert out[0].shape == (2, 2) and np.all(out[0] == 1.5)
    assert out[1].tolist() == [[1, 2], [3, 4]]
    assert out[2].dtype == np.float64
    assert out[3].dtype == np.int64  # NumPy arrays keep their dtype, as in TF1
    with pytest.raises(TypeError):
        tf.constant(1.5, dtype=tf.int32)
    assert tf.constant(1.0).dtype == tf.float32 and tf.constant(True).dtype == tf.bool
