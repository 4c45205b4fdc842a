"""TensorArray: TF1's methods, shape inference, use as a loop variable, and TF1's errors
(unwritten reads, double writes, out-of-range indices, reading twice when cleared)."""
import numpy as np
import pytest

import rnngraph as tf
from rnngraph import errors


def test_write_read_stack_size(sess):
    ta = tf.TensorArray(tf.float32, size=3, clear_after_read=False)
    ta = ta.write(0, [1.0, 2.0]).write(1, [3.0, 4.0]).write(2, [5.0, 6.0])
    assert ta.element_shape.as_list() == [2]
    r = ta.read(1)
    assert r.shape.as_list() == [2]
    s = ta.stack()
    assert s.shape.as_list() == [3, 2]  # the size is static here (TF1's shape function too)
    out = sess.run([r, s, ta.size()])
    np.testing.assert_array_equal(out[0], [3.0, 4.0])
    np.testing.assert_array_equal(out[1], [[1, 2], [3, 4], [5, 6]])
    assert out[2] == 3


def test_unstack_gather_scatter_concat_split(sess):
    value = np.arange(12, dtype=np.float32).reshape(4, 3)
    ta = tf.TensorArray(tf.float32, size=4, clear_after_read=False).unstack(value)
    out = sess.run([ta.gather([3, 0]), ta.read(2), ta.stack()])
    np.testing.assert_array_equal(out[0], value[[3, 0]])
    np.testing.assert_array_equal(out[1], value[2])
    np.testing.assert_array_equal(out[2], value)
    sc = tf.TensorArray(tf.int32, size=3).scatter([2, 0, 1], tf.constant([[7], [8], [9]]))
    np.testing.assert_array_equal(sess.run(sc.stack()), [[8], [9], [7]])
    sp = tf.TensorArray(tf.float32, size=3, infer_shape=False).split(tf.constant(np.arange(6, dtype=np.float32)), [1, 3, 2])
    assert sess.run(sp.read(1)).tolist() == [1.0, 2.0, 3.0]
    cat = tf.TensorArray(tf.float32, size=2, infer_shape=False)
    cat = cat.write(0, [1.0]).write(1, [2.0, 3.0])
    np.testing.assert_array_equal(sess.run(cat.concat()), [1.0, 2.0, 3.0])


def test_in_a_loop_with_dynamic_size(sess):
    n = tf.placeholder(tf.int32, [])
    ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)

    def body(i, ta):
        return i + 1, ta.write(i, tf.fill([2], tf.cast(i, tf.float32)))
    _, ta = tf.while_loop(lambda i, ta: i < n, body, [0, ta])
    stacked = ta.stack()
    assert stacked.shape.as_list() == [None, 2]  # the write's shape reached the outer array
    np.testing.assert_array_equal(sess.run(stacked, {n: 3}), [[0, 0], [1, 1], [2, 2]])
    assert sess.run(ta.size(), {n: 5}) == 5


def test_read_in_loop_body(sess):
    x = tf.placeholder(tf.float32, [None, 2])
    inputs = tf.TensorArray(tf.float32, size=tf.shape(x)[0]).unstack(x)

    def body(i, acc):
        return i + 1, acc + inputs.read(i)
    _, total = tf.while_loop(lambda i, a: i < tf.shape(x)[0], body, [0, tf.zeros([2])])
    np.testing.assert_array_equal(sess.run(total, {x: [[1, 2], [3, 4], [5, 6]]}), [9, 12])


def test_unwritten_element_zero_when_shape_known(sess):
    ta = tf.TensorArray(tf.float32, size=3, element_shape=[2]).write(1, [1.0, 1.0])
    np.testing.assert_array_equal(sess.run(ta.stack()), [[0, 0], [1, 1], [0, 0]])


def test_unwritten_element_error_when_shape_unknown(sess):
    ta = tf.TensorArray(tf.float32, size=3, infer_shape=False)
    with pytest.raises(errors.InvalidArgumentError, match="not yet been written"):
        sess.run(ta.read(0))


def test_write_twice_is_error(sess):
    ta = tf.TensorArray(tf.float32, size=2).write(0, 1.0).write(0, 2.0)
    with pytest.raises(errors.InvalidArgumentError, match="already been written"):
        sess.run(ta.stack())


def test_out_of_range_index_on_fixed_size(sess):
    i = tf.placeholder(tf.int32, [])
    ta = tf.TensorArray(tf.float32, size=2).write(i, 1.0)
    with pytest.raises(errors.InvalidArgumentError, match="not resizeable and size is: 2"):
        sess.run(ta.stack(), {i: 2})
    with pytest.raises(errors.InvalidArgumentError, match="Tried to read from index 5"):
        sess.run(tf.TensorArray(tf.float32, size=2, element_shape=[]).read(5))


def test_clear_after_read(sess):
    ta = tf.TensorArray(tf.float32, size=1).write(0, 3.0)
    twice = ta.read(0) + ta.read(0)
    with pytest.raises(errors.InvalidArgumentError, match="twice because it was cleared"):
        sess.run(twice)
    keep = tf.TensorArray(tf.float32, size=1, clear_after_read=False).write(0, 3.0)
    assert sess.run(keep.read(0) + keep.read(0)) == 6.0


def test_shape_and_dtype_errors(sess):
    ta = tf.TensorArray(tf.float32, size=2)
    with pytest.raises(TypeError, match="dtype is float32 but Op is trying to write dtype int32"):
        ta.write(0, tf.constant(1))
    ta2 = ta.write(0, [1.0, 2.0])
    with pytest.raises(ValueError, match="Inconsistent shapes"):
        ta2.write(1, [1.0, 2.0, 3.0])
    x = tf.placeholder(tf.float32, [None])
    ta3 = tf.TensorArray(tf.float32, size=2).write(0, x).write(1, x[:1])
    with pytest.raises(errors.InvalidArgumentError, match="incompatible with the TensorArray's"):
        sess.run(ta3.stack(), {x: [1.0, 2.0]})
    with pytest.raises(ValueError, match="Size must be provided"):
        tf.TensorArray(tf.float32)


def test_identity_and_close(sess):
    ta = tf.TensorArray(tf.float32, size=1).write(0, 2.0)
    same = ta.identity()
    assert same.dtype == tf.float32 and sess.run(same.read(0)) == 2.0
    assert sess.run(ta.close()) is None


def test_a_stack_keeps_its_values_when_the_array_is_written_later(sess):
    """The cpu target returns the buffer itself for a stack of every row when all are
    written (lower_tensor_array.lower_gather); a stack taken before an unwritten row is
    filled, gathers in another order and gradient arrays' stacks are copies."""
    ta = tf.TensorArray(tf.float32, size=3, clear_after_read=False)
    ta = ta.write(0, [1.0, 2.0]).write(2, [5.0, 6.0])
    before = ta.stack()  # row 1 unwritten: zeros
    later = ta.write(1, [3.0, 4.0])
    after = later.stack()
    reordered = later.gather([2, 1, 0])
    got = sess.run([before, after, reordered, after * 2.0])
    np.testing.assert_array_equal(got[0], [[1, 2], [0, 0], [5, 6]])
    np.testing.assert_array_equal(got[1], [[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(got[2], [[5, 6], [3, 4], [1, 2]])
    np.testing.assert_array_equal(got[3], [[2, 4], [6, 8], [10, 12]])


def test_scatter_and_gather_errors_and_growth(sess):
    """TF1's errors of scatter and gather (the cpu target checks them in kernels.ta_scatter
    and kernels.ta_gather: each must report its own message), and a dynamic_size array that
    a scatter writes past its end."""
    idx = tf.placeholder(tf.int32, [None])
    values = tf.placeholder(tf.float32, [None, 2])
    rows = np.arange(6, dtype=np.float32).reshape(3, 2)

    def scatter(feed_idx, feed_values, **kw):
        ta = tf.TensorArray(tf.float32, **dict(dict(size=3), **kw)).scatter(idx, values)
        return sess.run(ta.stack(), {idx: feed_idx, values: feed_values})
    with pytest.raises(errors.InvalidArgumentError, match=r"len\(indices\) == values.shape\[0\], but saw: 2 vs. 3"):
        scatter([0, 1], rows)
    with pytest.raises(errors.InvalidArgumentError, match="index -1 but array size is: 3"):
        scatter([0, -1, 2], rows)
    with pytest.raises(errors.InvalidArgumentError, match="index 3 but array is not resizeable and size is: 3"):
        scatter([0, 3, 1], rows)
    with pytest.raises(errors.InvalidArgumentError, match="index 1 because it has already been written"):
        scatter([1, 1, 0], rows)
    np.testing.assert_array_equal(scatter([4, 0, 2], rows, size=1, dynamic_size=True),
                                  [rows[1], [0, 0], rows[2], [0, 0], rows[0]])
    x = tf.placeholder(tf.float32, [None])
    any_values = tf.placeholder(tf.float32, [None, None])
    shaped = tf.TensorArray(tf.float32, size=3).write(0, x).scatter(idx, any_values)
    with pytest.raises(errors.InvalidArgumentError, match=r"index 2 because the value shape is \[2\] which is "
                       r"incompatible with the TensorArray's inferred element shape: \[3\]"):
        sess.run(shaped.stack(), {x: [1.0, 2.0, 3.0], idx: [2, 1], any_values: rows[:2]})

    written = tf.TensorArray(tf.float32, size=3).scatter([0, 1, 2], rows)
    with pytest.raises(errors.InvalidArgumentError, match="Tried to read from index 5 but array size is: 3"):
        sess.run(written.gather(idx), {idx: [0, 5]})
    read_first = written.read(1)
    with tf.control_dependencies([read_first]):
        again = written.gather([0, 1])
    with pytest.raises(errors.InvalidArgumentError, match="index 1 twice because it was cleared"):
        sess.run(again)
    unknown = tf.TensorArray(tf.float32, size=3, infer_shape=False)
    with pytest.raises(errors.InvalidArgumentError, match="index 2 because it has not yet been written"):
        sess.run(unknown.write(0, [1.0]).gather([0, 2]))
    with pytest.raises(errors.UnimplementedError, match=r"size zero, but element shape \? is not fully defined"):
        sess.run(unknown.gather(tf.zeros([0], tf.int32)))
    written_unknown = tf.TensorArray(tf.float32, size=2, element_shape=tf.TensorShape(None)).write(0, x)
    assert sess.run(written_unknown.gather(tf.zeros([0], tf.int32)), {x: [1.0, 2.0]}).shape == (0, 2)


def test_a_scatter_into_a_new_array_of_a_transposed_value(sess, default_target):
    """The cpu target lets a new array of a known element shape adopt a transposed value
    that only its scatter reads, when the scatter writes every element in order
    (lower_tensor_array.adopting_scatters; dynamic_rnn's inputs); any other scatter of such
    a value allocates zeros and copies, with TF1's checks, and a value read elsewhere is
    never adopted."""
    x = tf.placeholder(tf.float32, [2, None])
    idx = tf.placeholder(tf.int32, [None])
    data = np.arange(6, dtype=np.float32).reshape(2, 3)

    def scatter(indices, size=3, shape=(2,)):
        ta = tf.TensorArray(tf.float32, size=size, element_shape=shape, clear_after_read=False)
        return ta.scatter(indices, tf.transpose(x))
    whole = scatter(tf.range(3))
    loop_total = tf.while_loop(lambda i, acc: i < 3, lambda i, acc: (i + 1, acc + whole.read(i)),
                               [0, tf.zeros([2])])[1]
    got = sess.run([whole.stack(), whole.read(2), loop_total], {x: data})
    np.testing.assert_array_equal(got[0], data.T)
    np.testing.assert_array_equal(got[1], data.T[2])
    np.testing.assert_array_equal(got[2], data.T.sum(0))
    if default_target == "cpu":
        source = sess.lower(whole.stack(), {x: data}).compile().source()
        assert "kernels.ta_scatter_adopting" in source
    # fewer elements than the size (the rest reads as zeros), another order, growth
    np.testing.assert_array_equal(sess.run(scatter(idx, size=4).stack(), {x: data, idx: [0, 1, 2]}),
                                  np.vstack([data.T, [[0, 0]]]))
    np.testing.assert_array_equal(sess.run(scatter(idx).stack(), {x: data, idx: [2, 0, 1]}),
                                  data.T[[1, 2, 0]])
    grown = tf.TensorArray(tf.float32, size=1, dynamic_size=True, element_shape=[2]).scatter(
        tf.range(3), tf.transpose(x))
    np.testing.assert_array_equal(sess.run(grown.stack(), {x: data}), data.T)
    with pytest.raises(errors.InvalidArgumentError, match="index 1 because it has already been written"):
        sess.run(scatter(idx).stack(), {x: data, idx: [1, 1, 0]})
    with pytest.raises(errors.InvalidArgumentError, match=r"len\(indices\) == values.shape\[0\], but saw: 2 vs. 3"):
        sess.run(scatter(idx).stack(), {x: data, idx: [0, 1]})
    any_shape = tf.placeholder(tf.float32, [None, None])
    mismatched = tf.TensorArray(tf.float32, size=3, element_shape=[2]).scatter(
        tf.range(3), tf.transpose(any_shape))
    with pytest.raises(errors.InvalidArgumentError, match=r"index 0 because the value shape is \[4\] which is "
                       r"incompatible with the TensorArray's inferred element shape: \[2\]"):
        sess.run(mismatched.stack(), {any_shape: np.zeros((4, 3), np.float32)})
    # the transposed value also fetched: not adopted, and the two results are separate arrays
    shared = tf.transpose(x)
    also_read = tf.TensorArray(tf.float32, size=3, element_shape=[2]).scatter(tf.range(3), shared)
    stacked, value = sess.run([also_read.stack(), shared], {x: data})
    stacked[0, 0] = 100.0
    np.testing.assert_array_equal(value, data.T)
