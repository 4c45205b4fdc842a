"""Sequence-to-sequence in TF1 style: a bidirectional LSTM encoder over variable-length
inputs and a raw_rnn greedy decoder that feeds its previous prediction back in.

The task is reversing digit strings (generated here). This is the forward pass only —
training arrives with gradients — so the untrained model decodes noise; what it shows is
the whole TF1 RNN toolkit running: embedding_lookup, bidirectional_dynamic_rnn with
sequence_length, LSTMStateTuple, raw_rnn's loop_fn protocol with a finished flag, and
the program the Session runs.

    python examples/seq2seq.py
"""
import numpy as np

import rnngraph as tf

VOCAB, GO, EOS = 12, 10, 11      # digits 0-9, then <go> and <eos>
EMBED, UNITS, MAX_OUT = 8, 16, 12


def make_batch(batch, rng):
    """Random digit strings of length 3-8 (padded with EOS) and their lengths."""
    lengths = rng.randint(3, 9, size=batch)
    src = np.full((batch, lengths.max()), EOS, np.int32)
    for b, n in enumerate(lengths):
        src[b, :n] = rng.randint(0, 10, size=n)
    return src, lengths.astype(np.int32)


def build():
    tf.set_random_seed(7)
    src = tf.placeholder(tf.int32, [None, None], name="source")
    src_len = tf.placeholder(tf.int32, [None], name="source_length")
    batch = tf.shape(src)[0]
    embedding = tf.get_variable("embedding", [VOCAB, EMBED])
    enc_in = tf.nn.embedding_lookup(embedding, src)

    cell_fw = tf.nn.rnn_cell.LSTMCell(UNITS, name="enc_fw")
    cell_bw = tf.nn.rnn_cell.LSTMCell(UNITS, name="enc_bw")
    (out_fw, out_bw), (st_fw, st_bw) = tf.nn.bidirectional_dynamic_rnn(
        cell_fw, cell_bw, enc_in, sequence_length=src_len, dtype=tf.float32, scope="encoder")
    enc_state = tf.nn.rnn_cell.LSTMStateTuple(tf.concat([st_fw.c, st_bw.c], 1),
                                              tf.concat([st_fw.h, st_bw.h], 1))

    dec_cell = tf.nn.rnn_cell.LSTMCell(2 * UNITS, name="decoder")
    with tf.variable_scope("projection"):
        w = tf.get_variable("w", [2 * UNITS, VOCAB])
        b = tf.get_variable("b", [VOCAB], initializer=tf.zeros_initializer())

    def loop_fn(time, cell_output, cell_state, loop_state):
        """raw_rnn's protocol: at time 0 there is no output yet; afterwards the next input
        is the embedding of the previous step's argmax (feed-previous greedy decoding)."""
        if cell_output is None:
            next_input = tf.nn.embedding_lookup(embedding, tf.fill([batch], GO))
            finished = tf.zeros([batch], tf.bool)
            emit_structure = tf.zeros([VOCAB])  # per-example shape of what we emit: logits
            return finished, next_input, enc_state, emit_structure, None
        logits = tf.nn.xw_plus_b(cell_output, w, b)
        token = tf.argmax(logits, 1, output_type=tf.int32)
        finished = tf.logical_or(tf.equal(token, EOS), time >= MAX_OUT)
        next_input = tf.nn.embedding_lookup(embedding, token)
        return finished, next_input, cell_state, logits, None

    outputs_ta, _, _ = tf.nn.raw_rnn(dec_cell, loop_fn, scope="decoder")
    logits = tf.transpose(outputs_ta.stack(), [1, 0, 2], name="decoder_logits")
    tokens = tf.argmax(logits, 2, output_type=tf.int32, name="decoded")
    return src, src_len, tokens


def main():
    rng = np.random.RandomState(0)
    src, src_len, tokens = build()
    print("variables:")
    for v in tf.global_variables():
        print("  %-32s %s" % (v.name, v.shape.as_list()))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        batch, lengths = make_batch(4, rng)
        feed = {src: batch, src_len: lengths}
        decoded = sess.run(tokens, feed)
        for s, n, d in zip(batch, lengths, decoded):
            print("source %-18s -> decoded (untrained) %s" % ("".join(map(str, s[:n])), " ".join(map(str, d))))
        text = sess.lower(tokens, feed).as_text()
        print("\nThe program has %d lines, %d while loops; its first lines:"
              % (len(text.splitlines()), text.count("= While(")))
        print("\n".join(text.splitlines()[:12]))


if __name__ == "__main__":
    main()
