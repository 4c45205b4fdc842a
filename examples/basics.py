"""A TF1-style define-then-run script, with only the import changed.

Builds a small two-layer classifier over generated 2-D points (two interleaved spirals),
initializes its variables, evaluates loss and accuracy for a batch, and prints the program
the Session runs. Training arrives with gradients; this shows the graph, variables, feeds,
and the printable lowering.

    python examples/basics.py
"""
import numpy as np

import rnngraph as tf


def spirals(n, seed=0):
    """n points on each of two interleaved spirals, with labels 0/1."""
    rng = np.random.RandomState(seed)
    t = np.sqrt(rng.rand(n)) * 3 * np.pi
    a = np.stack([t * np.cos(t), t * np.sin(t)], 1) + rng.randn(n, 2) * 0.3
    points = np.concatenate([a, -a]).astype(np.float32) / 10
    labels = np.concatenate([np.zeros(n), np.ones(n)]).astype(np.int32)
    return points, labels


def build(hidden=32, classes=2):
    tf.set_random_seed(1234)
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    y = tf.placeholder(tf.int32, [None], name="y")
    with tf.variable_scope("mlp"):
        w1 = tf.get_variable("w1", [2, hidden])
        b1 = tf.get_variable("b1", [hidden], initializer=tf.zeros_initializer())
        w2 = tf.get_variable("w2", [hidden, classes])
        b2 = tf.get_variable("b2", [classes], initializer=tf.zeros_initializer())
    h = tf.nn.relu(tf.nn.xw_plus_b(x, w1, b1))
    logits = tf.nn.xw_plus_b(h, w2, b2, name="logits")
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1, output_type=tf.int32), y), tf.float32))
    return x, y, loss, accuracy


def main():
    points, labels = spirals(200)
    x, y, loss, accuracy = build()
    print("variables:", [(v.name, v.shape.as_list()) for v in tf.global_variables()])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        feed = {x: points, y: labels}
        l, a = sess.run([loss, accuracy], feed)
        print("untrained loss %.4f (ln 2 = %.4f), accuracy %.3f on %d points" % (l, np.log(2), a, len(points)))
        print("\nThe program Session.run executes for the loss:")
        print(sess.lower(loss, feed).as_text())


if __name__ == "__main__":
    main()
