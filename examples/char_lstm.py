"""A character-level LSTM language model, written as a TF1 user would write it.

The corpus is Python source: the .py files of a fixed, sorted list of standard-library
modules, read from this interpreter's own stdlib (`sysconfig.get_paths()["stdlib"]`) until
--corpus-bytes characters, so nothing is downloaded. The last 5% is held out. Training is
truncated backpropagation through time: the text is cut into --batch-size parallel streams,
each step reads the next --seq-len characters of every stream, and the LSTM's final state
is fed back as the next step's initial state (zeros at the start of each pass).

The whole TF1 training toolkit: placeholders, tf.nn.embedding_lookup,
tf.nn.rnn_cell.LSTMCell (a MultiRNNCell of them with --layers 2), tf.nn.dynamic_rnn with a
fed initial state, a dense softmax layer from tf.get_variable + matmul,
tf.nn.sparse_softmax_cross_entropy_with_logits, tf.gradients + tf.clip_by_global_norm,
tf.train.AdamOptimizer.apply_gradients with a global step, and tf.train.Saver. After
training, a checkpoint is written, restored into a fresh Session (the held-out loss must
match to the bit), and the restored model samples text with a temperature, one character
at a time, from a second (batch 1, one step) graph sharing the trained variables.

    python examples/char_lstm.py                       # defaults: see below
    python examples/char_lstm.py --steps 3000 --hidden 256 --layers 2
    RNNGRAPH_CACHE_DIR=$(mktemp -d) python examples/char_lstm.py   # time a cold compile

With the defaults (800 steps, batch 32 x 50, one LSTMCell(128)) on a 2-core machine: about
47 s the first time (36 s of it compiling the programs and the kernels they call; both are
cached, the programs in $RNNGRAPH_CACHE_DIR, default ~/.cache/rnngraph), about 11 s
afterwards, and 29 s with an empty RNNGRAPH_CACHE_DIR (kernels cached); more when other
work shares the cores. The loss falls from ln(vocabulary) =
4.56 to about 1.4 nats/char (held-out 1.27). The last lines print where the time went.

Checkpoints go to --checkpoint-dir, by default `<system temp dir>/rnngraph_char_lstm`
(tempfile.gettempdir()), so running the example leaves nothing in the working tree.
"""
import argparse
import math
import os
import sys
import sysconfig
import tempfile
import time

import numpy as np

import rnngraph as tf

# Long-lived pure-Python modules (present in CPython 3.8 onwards), read in this order.
CORPUS_MODULES = sorted([
    "abc", "bisect", "calendar", "colorsys", "contextlib", "copy", "csv", "dataclasses",
    "difflib", "enum", "fnmatch", "fractions", "functools", "glob", "heapq", "keyword",
    "linecache", "numbers", "operator", "os", "pprint", "queue", "random", "sched", "shlex",
    "statistics", "string", "textwrap", "tokenize", "types", "typing", "weakref",
])


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--steps", type=int, default=800, help="training steps")
    p.add_argument("--batch-size", type=int, default=32, help="parallel text streams")
    p.add_argument("--seq-len", type=int, default=50, help="characters per step (BPTT length)")
    p.add_argument("--hidden", type=int, default=128, help="LSTM units per layer")
    p.add_argument("--layers", type=int, default=1, help="stacked LSTM layers (MultiRNNCell)")
    p.add_argument("--embed", type=int, default=32, help="character embedding size")
    p.add_argument("--learning-rate", type=float, default=0.005, help="Adam learning rate")
    p.add_argument("--clip-norm", type=float, default=5.0, help="tf.clip_by_global_norm")
    p.add_argument("--corpus-bytes", type=int, default=300_000,
                   help="characters of stdlib source to read")
    p.add_argument("--eval-batches", type=int, default=0,
                   help="held-out batches for the held-out loss (0: all)")
    p.add_argument("--sample-length", type=int, default=300, help="characters to sample")
    p.add_argument("--temperature", type=float, default=0.7, help="sampling temperature")
    p.add_argument("--prime", default="def ", help="text the sample starts from")
    p.add_argument("--seed", type=int, default=0, help="graph-level and NumPy seed")
    p.add_argument("--checkpoint-dir",
                   default=os.path.join(tempfile.gettempdir(), "rnngraph_char_lstm"),
                   help="where tf.train.Saver writes checkpoints")
    p.add_argument("--target", choices=["cpu", "reference"], default=None,
                   help="rnngraph Session target (default: $RNNGRAPH_TARGET, else cpu)")
    p.add_argument("--threads", type=int, default=1,
                   help="intra_op_parallelism_threads (BLAS threads; 0: every core). The "
                        "matrices are small: one thread is fastest, and more are much "
                        "slower when other work shares the cores")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p.parse_args(argv)


# --- data --------------------------------------------------------------------------------------
def load_corpus(max_chars):
    """Concatenated source of CORPUS_MODULES (sorted), cut at max_chars; and the files used."""
    stdlib = sysconfig.get_paths()["stdlib"]
    parts, used, size = [], [], 0
    for name in CORPUS_MODULES:
        path = os.path.join(stdlib, name + ".py")
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            text = f.read()
        parts.append(text)
        used.append(name)
        size += len(text)
        if size >= max_chars:
            break
    text = "".join(parts)[:max_chars]
    # Plain ASCII only: the rare non-ASCII character becomes '?', keeping the vocabulary small.
    return "".join(c if c < "\x7f" else "?" for c in text), used


class Batches:
    """Truncated-BPTT batches: `data` cut into `batch_size` contiguous streams; batch i is
    the i-th window of `seq_len` characters of every stream (inputs) and the same window
    shifted by one (targets). `new_pass` is True when a batch starts the streams afresh
    (its initial state must be zeros)."""

    def __init__(self, data, batch_size, seq_len):
        stream_len = (len(data) - 1) // batch_size
        self.num_batches = stream_len // seq_len
        if self.num_batches < 1:
            raise ValueError("%d characters are too few for batch %d x seq_len %d"
                             % (len(data), batch_size, seq_len))
        n = self.num_batches * seq_len
        starts = np.arange(batch_size) * stream_len
        idx = starts[:, None] + np.arange(n)[None, :]
        self.x, self.y = data[idx], data[idx + 1]
        self.seq_len = seq_len

    def __getitem__(self, i):
        i %= self.num_batches
        window = slice(i * self.seq_len, (i + 1) * self.seq_len)
        return self.x[:, window], self.y[:, window], i == 0


# --- the model ---------------------------------------------------------------------------------
class CharLSTM:
    """The graph: a training model over [batch, time] character ids and, sharing its
    variables, a one-character-at-a-time sampling model (batch 1)."""

    def __init__(self, vocab_size, args):
        self.hidden, self.layers = args.hidden, args.layers
        with tf.variable_scope("char_lstm"):
            self.embedding = tf.get_variable("embedding", [vocab_size, args.embed])
            cells = [tf.nn.rnn_cell.LSTMCell(args.hidden, name="lstm_%d" % i)
                     for i in range(args.layers)]
            self.cell = cells[0] if args.layers == 1 else tf.nn.rnn_cell.MultiRNNCell(cells)
            with tf.variable_scope("softmax"):
                self.softmax_w = tf.get_variable("w", [args.hidden, vocab_size])
                self.softmax_b = tf.get_variable("b", [vocab_size],
                                                 initializer=tf.zeros_initializer())

            # Training: [batch, time] ids in, next-character targets, the state fed back.
            # Static shapes, as in TF1's char-rnn scripts: every program is compiled for them.
            shape = [args.batch_size, args.seq_len]
            self.inputs = tf.placeholder(tf.int32, shape, name="inputs")
            self.targets = tf.placeholder(tf.int32, shape, name="targets")
            self.initial_state = self._state_placeholders(args.batch_size, "initial_state")
            logits, self.final_state = self._unroll(self.inputs, self.initial_state, "rnn")
            xent = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=self.targets,
                                                                  logits=logits)
            self.loss = tf.reduce_mean(xent, name="loss")  # nats per character

            # Sampling: one character of one sequence, temperature-scaled distribution.
            self.sample_input = tf.placeholder(tf.int32, [1, 1], name="sample_input")
            self.sample_state = self._state_placeholders(1, "sample_state")
            self.temperature = tf.placeholder_with_default(1.0, [], name="temperature")
            sample_logits, self.sample_final_state = self._unroll(
                self.sample_input, self.sample_state, "rnn")  # same cell: same variables
            self.probs = tf.nn.softmax(sample_logits[:, -1] / self.temperature, name="probs")

        self.global_step = tf.train.get_or_create_global_step()
        params = tf.trainable_variables()
        grads, self.grad_norm = tf.clip_by_global_norm(tf.gradients(self.loss, params),
                                                       args.clip_norm)
        optimizer = tf.train.AdamOptimizer(args.learning_rate)
        self.train_op = optimizer.apply_gradients(zip(grads, params),
                                                  global_step=self.global_step)
        self.num_params = sum(int(np.prod(v.shape.as_list())) for v in params)

    def _state_placeholders(self, batch, name):
        """LSTMStateTuple(c, h) placeholders per layer ([batch, hidden]), nested like the
        cell's state_size, so they can be dynamic_rnn's initial_state."""
        states = []
        with tf.name_scope(name):
            for i in range(self.layers):
                c = tf.placeholder(tf.float32, [batch, self.hidden], name="c%d" % i)
                h = tf.placeholder(tf.float32, [batch, self.hidden], name="h%d" % i)
                states.append(tf.nn.rnn_cell.LSTMStateTuple(c, h))
        return states[0] if self.layers == 1 else tuple(states)

    def _unroll(self, ids, initial_state, scope):
        """Logits [batch, time, vocab] and the final state for character ids [batch, time]."""
        x = tf.nn.embedding_lookup(self.embedding, ids)
        outputs, final_state = tf.nn.dynamic_rnn(self.cell, x, initial_state=initial_state,
                                                 scope=scope)
        batch, time_steps = ids.shape.as_list()
        flat = tf.reshape(outputs, [-1, self.hidden])
        logits = tf.matmul(flat, self.softmax_w) + self.softmax_b
        return tf.reshape(logits, [batch, time_steps, -1]), final_state

    # The state is a nest of placeholders; feeds and values are flattened alongside it.
    def zero_state(self, batch):
        return [np.zeros([batch, self.hidden], np.float32) for _ in range(2 * self.layers)]

    @staticmethod
    def state_feed(placeholders, values):
        return dict(zip(tf.nest.flatten(placeholders), values))


# --- training, evaluation, sampling --------------------------------------------------------------
# Seconds of every sess.run, per program. A program's first run compiles it (or loads it from
# rnngraph's disk cache); the later runs are the steady state.
RUN_TIMES = {}


def timed_run(sess, what, fetches, feed_dict=None):
    t0 = time.perf_counter()
    values = sess.run(fetches, feed_dict)
    RUN_TIMES.setdefault(what, []).append(time.perf_counter() - t0)
    return values


def train_step(sess, model, batches, step, state):
    """One truncated-BPTT step; returns the loss and the state for the next batch."""
    x, y, new_pass = batches[step]
    if new_pass:
        state = model.zero_state(x.shape[0])
    feed = {model.inputs: x, model.targets: y}
    feed.update(model.state_feed(model.initial_state, state))
    _, loss, final = timed_run(sess, "train", [model.train_op, model.loss, model.final_state],
                               feed)
    return float(loss), tf.nest.flatten(final)


def evaluate(sess, model, batches, num_batches, what="eval"):
    """Mean loss over the first `num_batches` held-out batches, the state carried over."""
    state, total = model.zero_state(batches.x.shape[0]), 0.0
    for i in range(num_batches):
        x, y, _ = batches[i]
        feed = {model.inputs: x, model.targets: y}
        feed.update(model.state_feed(model.initial_state, state))
        loss, final = timed_run(sess, what, [model.loss, model.final_state], feed)
        total += float(loss)
        state = tf.nest.flatten(final)
    return total / num_batches


def sample(sess, model, chars, length, prime="def ", temperature=1.0, seed=0):
    """`length` characters drawn from the model after `prime` (fed first, one character at
    a time), each from softmax(logits / temperature); returns only the new characters."""
    rng = np.random.RandomState(seed)
    index = {c: i for i, c in enumerate(chars)}
    state = model.zero_state(1)
    ids = [index.get(c, 0) for c in (prime or chars[0])]
    out = []
    probs = None
    for i in range(len(ids) + length - 1):
        char_id = ids[i] if i < len(ids) else out[-1]
        feed = {model.sample_input: [[char_id]], model.temperature: temperature}
        feed.update(model.state_feed(model.sample_state, state))
        probs, final = timed_run(sess, "sample", [model.probs, model.sample_final_state], feed)
        state = tf.nest.flatten(final)
        if i >= len(ids) - 1:
            p = probs[0].astype(np.float64)
            out.append(int(rng.choice(len(p), p=p / p.sum())))
    return "".join(chars[i] for i in out)


class ProgressBar:
    """step/total, moving-average loss, steps/s and ETA, in plain Python: redrawn in place
    with '\\r' on a terminal, a line every `total/line_count` steps otherwise. Rates and ETA
    leave out the first step (it includes compiling the program)."""

    def __init__(self, total, stream=None, width=24, line_count=10, enabled=True):
        self.total, self.width, self.enabled = total, width, enabled
        self.stream = stream if stream is not None else sys.stdout
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.line_every = max(1, total // line_count)
        self.avg, self.weight = 0.0, 0.0  # debiased exponential moving average of the loss
        self.t_first = None  # when the first (compiling) step finished
        self.last_draw = 0.0

    def update(self, step, loss):
        """Record the loss of step `step` (1-based)."""
        now = time.perf_counter()
        self.avg = 0.95 * self.avg + 0.05 * loss
        self.weight = 0.95 * self.weight + 0.05
        if step == 1:
            self.t_first = now
        if not self.enabled:
            return
        if self.tty:
            if step in (1, self.total) or now - self.last_draw > 0.1:
                self.stream.write("\r" + self.line(step, now))
                if step == self.total:
                    self.stream.write("\n")
                self.stream.flush()
                self.last_draw = now
        elif step in (1, self.total) or step % self.line_every == 0:
            self.stream.write(self.line(step, now) + "\n")
            self.stream.flush()

    @property
    def loss(self):
        return self.avg / self.weight if self.weight else float("nan")

    def line(self, step, now):
        done = int(self.width * step / self.total)
        bar = "#" * done + "-" * (self.width - done)
        rate = (step - 1) / (now - self.t_first) if step > 1 and now > self.t_first else 0.0
        eta = (self.total - step) / rate if rate else float("nan")
        return ("step %*d/%d [%s] loss %.3f | %5.1f steps/s | ETA %s"
                % (len(str(self.total)), step, self.total, bar, self.loss, rate, _hms(eta)))


def _hms(seconds):
    if not math.isfinite(seconds):
        return "--:--"
    seconds = int(round(seconds))
    return "%d:%02d:%02d" % (seconds // 3600, seconds // 60 % 60, seconds % 60) \
        if seconds >= 3600 else "%d:%02d" % (seconds // 60, seconds % 60)


# --- main ------------------------------------------------------------------------------------------
def main(argv=None):
    """Train, checkpoint, restore and sample; returns a dict of what happened (the test
    reads it)."""
    args = parse_args(argv)
    t_start = time.perf_counter()
    RUN_TIMES.clear()
    text, modules = load_corpus(args.corpus_bytes)
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    data = np.array([index[c] for c in text], np.int32)
    split = int(len(data) * 0.95)
    train, heldout = Batches(data[:split], args.batch_size, args.seq_len), \
        Batches(data[split:], args.batch_size, args.seq_len)
    eval_batches = min(args.eval_batches or heldout.num_batches, heldout.num_batches)

    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(args.seed)
        model = CharLSTM(len(chars), args)
        saver = tf.train.Saver(max_to_keep=2)
        init = tf.global_variables_initializer()

    print("corpus: %d characters from %s; vocabulary %d; %d training / %d held-out characters"
          % (len(text), "%d stdlib modules (%s ... %s)" % (len(modules), modules[0], modules[-1]),
             len(chars), split, len(data) - split))
    print("model: embedding %d, %d x LSTMCell(%d), softmax %d: %d parameters; "
          "Adam(lr %g), clip_by_global_norm(%g)"
          % (args.embed, args.layers, args.hidden, len(chars), model.num_params,
             args.learning_rate, args.clip_norm))
    print("training: %d steps of batch %d x %d characters (truncated BPTT, %d batches per "
          "pass); uniform guess = ln(%d) = %.3f nats" % (args.steps, args.batch_size,
                                                         args.seq_len, train.num_batches,
                                                         len(chars), math.log(len(chars))))

    results = {"vocab": len(chars), "losses": []}
    config = tf.ConfigProto(intra_op_parallelism_threads=args.threads)
    with tf.Session(args.target, graph=graph, config=config) as sess:
        print("target: %s" % sess.target)
        timed_run(sess, "init", init)
        results["heldout_before"] = evaluate(sess, model, heldout, eval_batches)
        print("held-out loss before training: %.3f" % results["heldout_before"])

        bar = ProgressBar(args.steps, enabled=not args.quiet)
        state = None
        for step in range(args.steps):
            loss, state = train_step(sess, model, train, step, state)
            results["losses"].append(loss)
            bar.update(step + 1, loss)
            if not math.isfinite(loss):
                raise FloatingPointError("loss became %r at step %d" % (loss, step + 1))

        results["heldout_after"] = evaluate(sess, model, heldout, eval_batches)
        os.makedirs(args.checkpoint_dir, exist_ok=True)
        t0 = time.perf_counter()
        results["checkpoint"] = saver.save(sess, os.path.join(args.checkpoint_dir, "model"),
                                           global_step=model.global_step)
        t_save = time.perf_counter() - t0
        global_step = int(sess.run(model.global_step))

    losses = results["losses"]
    k = max(1, min(50, len(losses) // 10))
    results["first_loss"], results["last_loss"] = np.mean(losses[:k]), np.mean(losses[-k:])
    print("training loss: step 1 %.3f; mean of the first %d steps %.3f -> of the last %d "
          "steps %.3f nats/char" % (losses[0], k, results["first_loss"], k, results["last_loss"]))
    print("held-out loss: %.3f -> %.3f nats/char (%.2f bits/char)"
          % (results["heldout_before"], results["heldout_after"],
             results["heldout_after"] / math.log(2)))
    print("saved %s (global step %d)" % (results["checkpoint"], global_step))

    # A fresh Session knows nothing: restore the latest checkpoint and evaluate again.
    with tf.Session(args.target, graph=graph, config=config) as sess:
        latest = tf.train.latest_checkpoint(args.checkpoint_dir)
        t0 = time.perf_counter()
        saver.restore(sess, latest)
        t_restore = time.perf_counter() - t0
        results["restored_step"] = int(sess.run(model.global_step))
        results["heldout_restored"] = evaluate(sess, model, heldout, eval_batches,
                                               "eval, new session")
        print("restored %s in a new Session: global step %d, held-out loss %.6f (before "
              "saving: %.6f, %s)" % (latest, results["restored_step"],
                                     results["heldout_restored"], results["heldout_after"],
                                     "identical" if results["heldout_restored"] ==
                                     results["heldout_after"] else "DIFFERENT"))
        results["sample"] = sample(sess, model, chars, args.sample_length, args.prime,
                                   args.temperature, args.seed)
    print("\nsample (temperature %g, after %r):\n%s%s\n%s"
          % (args.temperature, args.prime, "-" * 72 + "\n" + args.prime,
             results["sample"], "-" * 72))

    first = {what: times[0] for what, times in RUN_TIMES.items()}
    steady = {what: float(np.median(times[1:] or times)) for what, times in RUN_TIMES.items()}
    results["compile_s"], results["step_s"] = first["train"], steady["train"]
    results["total_s"] = time.perf_counter() - t_start
    print("timing (%s target, %d thread%s):" % (sess.target, args.threads,
                                                "" if args.threads == 1 else "s"))
    print("  first run of each program (compiles it, or loads it from the disk cache): %s"
          % ", ".join("%s %.2f s" % kv for kv in first.items()))
    print("  steady state: training step %.1f ms (median; %.0f characters/s), held-out batch "
          "%.1f ms, sampled character %.2f ms" % (
              1e3 * steady["train"], args.batch_size * args.seq_len / steady["train"],
              1e3 * steady["eval"], 1e3 * steady["sample"]))
    print("  saving the checkpoint %.2f s, restoring it %.2f s; total %.1f s"
          % (t_save, t_restore, results["total_s"]))
    return results


if __name__ == "__main__":
    main()
