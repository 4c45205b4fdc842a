"""Handwritten digits classified by an LSTM reading each image row by row, in TF1 style.

This is the MNIST example of the Keras RNN guide (each 28x28 image is a sequence of 28 rows
of 28 pixels, an LSTM reads the rows, a softmax over its last output picks the digit) on
scikit-learn's bundled `load_digits` (1797 images of 8x8 pixels, values 0-16, no download):
a sequence of 8 rows of 8 features. Written with the TF1 API: placeholders,
tf.nn.rnn_cell.LSTMCell + tf.nn.dynamic_rnn, a dense layer from tf.get_variable,
tf.nn.sparse_softmax_cross_entropy_with_logits, tf.train.AdamOptimizer.minimize with a
global step, and predictions from tf.argmax. (The guide's BatchNormalization is left out.)

scikit-learn is only needed for the data: `pip install scikit-learn`, or
`pip install -e '.[examples]'`.

    python examples/digits_rnn.py                 # 30 epochs: about 96% test accuracy
    python examples/digits_rnn.py --epochs 50 --hidden 128 --target reference

The placeholders have a static batch size (--batch-size), as in pre-Keras TF1 scripts: the
remainder of each shuffled epoch is dropped, and the test set is evaluated in batches of
the same size, the last one padded with repeated images that are not counted. With a free
batch dimension ([None, 8, 8]) the model works the same and as fast: rnngraph specializes
every program to the fed shapes. But each new batch size is a new feed signature, so a
ragged last batch would compile the train and evaluation programs once more.
"""
import argparse
import sys
import time

import numpy as np

import rnngraph as tf


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--hidden", type=int, default=64, help="LSTM units")
    p.add_argument("--learning-rate", type=float, default=0.005, help="Adam learning rate")
    p.add_argument("--test-fraction", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=0, help="graph-level and NumPy seed")
    p.add_argument("--target", choices=["cpu", "reference"], default=None,
                   help="rnngraph Session target (default: $RNNGRAPH_TARGET, else cpu)")
    p.add_argument("--threads", type=int, default=1,
                   help="intra_op_parallelism_threads (0: every core)")
    return p.parse_args(argv)


def load_data(test_fraction, seed):
    """(train images, train labels, test images, test labels): images [n, 8 rows, 8] in
    [0, 1], a seeded shuffle split."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        sys.exit("examples/digits_rnn.py needs scikit-learn for its bundled digits data set "
                 "(nothing is downloaded). Install it with\n    pip install scikit-learn\n"
                 "or, from the repository root,\n    pip install -e '.[examples]'")
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)
    labels = digits.target.astype(np.int32)
    order = np.random.RandomState(seed).permutation(len(images))
    n_test = int(round(len(images) * test_fraction))
    test, train = order[:n_test], order[n_test:]
    return images[train], labels[train], images[test], labels[test]


class RowLSTM:
    """The graph: LSTM over the rows of [batch, rows, cols] images, softmax over classes."""

    def __init__(self, batch, rows, cols, hidden, classes, learning_rate):
        self.images = tf.placeholder(tf.float32, [batch, rows, cols], name="images")
        self.labels = tf.placeholder(tf.int32, [batch], name="labels")
        cell = tf.nn.rnn_cell.LSTMCell(hidden)
        _, state = tf.nn.dynamic_rnn(cell, self.images, dtype=tf.float32)  # rows in order
        with tf.variable_scope("dense"):
            w = tf.get_variable("kernel", [hidden, classes])
            b = tf.get_variable("bias", [classes], initializer=tf.zeros_initializer())
        logits = tf.matmul(state.h, w) + b  # from the last output (state.h)
        self.xent = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=self.labels,
                                                                   logits=logits)
        self.loss = tf.reduce_mean(self.xent)
        self.predictions = tf.argmax(logits, 1, output_type=tf.int32)
        self.accuracy = tf.reduce_mean(tf.cast(tf.equal(self.predictions, self.labels),
                                               tf.float32))
        self.global_step = tf.train.get_or_create_global_step()
        self.train_op = tf.train.AdamOptimizer(learning_rate).minimize(
            self.loss, global_step=self.global_step)


def evaluate(sess, model, images, labels, batch):
    """Mean loss, accuracy and predictions over all `images`, in batches of `batch` (the
    last one padded with images from the start, whose results are dropped)."""
    n = len(images)
    index = np.arange(n + (-n) % batch) % n
    xents, predictions = [], []
    for i in range(0, len(index), batch):
        chunk = index[i:i + batch]
        xent, pred = sess.run([model.xent, model.predictions],
                              {model.images: images[chunk], model.labels: labels[chunk]})
        xents.append(xent)
        predictions.append(pred)
    xent, predictions = np.concatenate(xents)[:n], np.concatenate(predictions)[:n]
    return float(xent.mean()), float(np.mean(predictions == labels)), predictions


def ascii_digit(image):
    return ["".join(" .:-=+*#%@"[min(9, int(v * 10))] for v in row) for row in image]


def main(argv=None):
    args = parse_args(argv)
    x_train, y_train, x_test, y_test = load_data(args.test_fraction, args.seed)
    _, rows, cols = x_train.shape
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(args.seed)
        model = RowLSTM(args.batch_size, rows, cols, args.hidden, 10, args.learning_rate)
        init = tf.global_variables_initializer()
        num_params = sum(int(np.prod(v.shape.as_list())) for v in tf.trainable_variables())
    steps_per_epoch = len(x_train) // args.batch_size
    print("digits: %d training and %d test images, each a sequence of %d rows of %d pixels"
          % (len(x_train), len(x_test), rows, cols))
    print("model: LSTMCell(%d) over the rows, dense softmax over 10 classes: %d parameters; "
          "Adam(lr %g); %d epochs of %d batches of %d"
          % (args.hidden, num_params, args.learning_rate, args.epochs, steps_per_epoch,
             args.batch_size))

    rng = np.random.RandomState(args.seed)
    results = {"epochs": []}
    t_start = time.perf_counter()
    config = tf.ConfigProto(intra_op_parallelism_threads=args.threads)
    with tf.Session(args.target, graph=graph, config=config) as sess:
        sess.run(init)
        t0 = time.perf_counter()
        results["test_accuracy_before"] = evaluate(sess, model, x_test, y_test,
                                                   args.batch_size)[1]
        first_eval = time.perf_counter() - t0
        print("target %s; test accuracy before training %.3f"
              % (sess.target, results["test_accuracy_before"]))
        step_times = []
        for epoch in range(1, args.epochs + 1):
            order = rng.permutation(len(x_train))
            losses, accs = [], []
            for i in range(steps_per_epoch):
                batch = order[i * args.batch_size:(i + 1) * args.batch_size]
                t0 = time.perf_counter()
                _, l, a = sess.run([model.train_op, model.loss, model.accuracy],
                                   {model.images: x_train[batch], model.labels: y_train[batch]})
                step_times.append(time.perf_counter() - t0)
                losses.append(l)
                accs.append(a)
            test_loss, test_acc, shown = evaluate(sess, model, x_test, y_test, args.batch_size)
            results["epochs"].append((float(np.mean(losses)), float(np.mean(accs)),
                                      float(test_loss), float(test_acc)))
            print("epoch %2d/%d: train loss %.3f accuracy %.3f | test loss %.3f accuracy %.3f"
                  % ((epoch, args.epochs) + results["epochs"][-1]), flush=True)
    results["test_accuracy"] = results["epochs"][-1][3]

    print("\nfirst test images, with the model's predictions:")
    pictures = [ascii_digit(x_test[i]) for i in range(4)]
    print("   ".join("%-16s" % ("pred %d (true %d)" % (shown[i], y_test[i])) for i in range(4)))
    for r in range(rows):
        print("   ".join("%-16s" % ("  " + pictures[i][r]) for i in range(4)))
    steady = float(np.median(step_times[1:] or step_times))
    print("\ntest accuracy after %d epochs: %.3f (before training %.3f)"
          % (args.epochs, results["test_accuracy"], results["test_accuracy_before"]))
    print("timing (a program's first run compiles it, or loads it from the disk cache): first "
          "training step %.2f s, first test evaluation %.2f s; steady state %.1f ms per step; "
          "total %.1f s" % (step_times[0], first_eval, 1e3 * steady, time.perf_counter() - t_start))
    return results


if __name__ == "__main__":
    main()
