"""Gradient parity for the RNN / control-flow cases of ``rnn_cases.py`` (TF1's
``tf.gradients`` as the oracle), shared by the golden generator
(``make_rnn_grad_goldens.py``, real TensorFlow) and
``tests/test_parity_rnn_grads.py`` (rnngraph).

This module never imports TensorFlow; every function takes a module ``tf``
implementing the tf.compat.v1 API.

Per case (``rnn_cases.CASES``):

* **loss** (:func:`grad_loss`): ``sum_f reduce_sum(f * C_f)`` over the case's
  floating fetches ``f`` (flat names as in ``rnn_cases.flatten_fetches``, in
  sorted order), where ``C_f`` is a fixed float array of ``f``'s run-time shape
  drawn uniformly from [-1, 1) by a NumPy ``RandomState`` seeded with
  ``crc32("<case>/<fetch>")`` (:func:`loss_weight`; independent of TF).  The
  run-time shapes come from the forward goldens' ``rnn_meta.json``, so both
  implementations build the same constants.  Skipped: Python-level facts (the
  Python scalars the forward cases turn into constants), int / bool fetches,
  and the fetches listed in ``NON_DIFFERENTIABLE_FETCHES``.  A float64 term is
  cast to float32 when the loss mixes dtypes.
* **xs** (:func:`grad_targets`): every floating placeholder of the feed_dict
  (feed order), named ``feed:<placeholder name>``, then every trainable
  variable (``tf.trainable_variables()`` order), named ``var:<variable name>``.
* ``tf.gradients(loss, xs)``; a ``None`` gradient is recorded as such (the
  implementation under test must return ``None`` there as well), an
  ``IndexedSlices`` gradient is fetched as (values, indices, dense_shape) and
  densified in NumPy (repeated indices summed), and whether it was
  ``IndexedSlices`` is recorded.

Weights are those of the forward goldens: :func:`run_grad_case` ``var.load``s
``goldens/rnn.npz``'s ``<case>/var/<name>`` value into every variable that has one and
initializes the others (``rnn_cases.initialize_or_load``, as ``rnn_cases.run_rnn_case``).
"""

import collections
import zlib

import numpy as np

try:  # imported as parity.grad_cases (pytest: tests/ on sys.path)
    from . import rnn_cases
except ImportError:  # imported as a top-level module (golden generator)
    import rnn_cases

# Comparison tolerances (float32 gradients; float64 ones compare tighter).
RTOL, ATOL = 1e-4, 1e-5
RTOL64, ATOL64 = 1e-8, 1e-10

# Floating fetches that are left out of the loss because TF1 defines no gradient
# through them: case name -> set of flat fetch names.  Empty: every floating fetch
# of the cases is differentiable in TF 2.21's v1 mode.  A case whose tf.gradients
# raises in TF is recorded by the generator under "tf_errors" (with the message)
# and skipped by the test.
NON_DIFFERENTIABLE_FETCHES = {}

GRAD_KEY_FMT = "%s/grad/%s"   # <case>/grad/<x name>
LOSS_KEY_FMT = "%s/loss"      # <case>/loss


def weights_digest(rnn_goldens):
    """sha256 over the forward goldens' variable values (``<case>/var/...`` keys of
    ``rnn.npz``): the gradient goldens are valid only for these weights."""
    import hashlib
    h = hashlib.sha256()
    for key in sorted(k for k in rnn_goldens.files if "/var/" in k):
        value = np.ascontiguousarray(rnn_goldens[key])
        h.update(key.encode("utf-8"))
        h.update(value.dtype.str.encode("ascii"))
        h.update(repr(value.shape).encode("ascii"))
        h.update(value.tobytes())
    return h.hexdigest()


def grad_key(case_name, x_name):
    return GRAD_KEY_FMT % (case_name, x_name)


def loss_key(case_name):
    return LOSS_KEY_FMT % case_name


def loss_weight(case_name, fetch_name, shape):
    """The fixed constant C_f (float64 array of ``shape``) for fetch ``fetch_name``."""
    seed = zlib.crc32(("%s/%s" % (case_name, fetch_name)).encode("utf-8")) & 0x7FFFFFFF
    return np.random.RandomState(seed).uniform(-1.0, 1.0, size=tuple(int(d) for d in shape))


def _is_python_fact(leaf):
    return isinstance(leaf, (bool, int, float, np.ndarray, np.generic))


def _base_dtype(t):
    dtype = t.dtype
    return getattr(dtype, "base_dtype", dtype)


def loss_fetches(tf, case_name, fetches):
    """OrderedDict flat fetch name -> Tensor/Variable of the fetches that enter the loss
    (floating graph tensors, not Python facts, not in NON_DIFFERENTIABLE_FETCHES), in the
    sorted order of ``rnn_cases.flatten_fetches``."""
    skip = NON_DIFFERENTIABLE_FETCHES.get(case_name, ())
    out = collections.OrderedDict()
    for key in sorted(fetches):
        for name, leaf in rnn_cases.flatten_with_names(key, fetches[key]):
            if leaf is None or _is_python_fact(leaf) or name in skip:
                continue
            if _base_dtype(leaf).is_floating:
                out[name] = leaf
    return out


def grad_loss(tf, case_name, fetches, fetch_shapes):
    """(loss, [fetch names used]) with loss = sum_f reduce_sum(f * C_f).

    ``fetch_shapes``: flat fetch name -> run-time shape (``rnn_meta.json``'s
    ``cases[<case>]["fetches"][<fetch>]["shape"]``).  Returns (None, []) when the case has
    no floating fetch."""
    used = loss_fetches(tf, case_name, fetches)
    if not used:
        return None, []
    terms = []
    with tf.name_scope("grad_loss"):
        for name, f in used.items():
            dtype = _base_dtype(f)
            weight = loss_weight(case_name, name, fetch_shapes[name])
            c = tf.constant(weight.astype(dtype.as_numpy_dtype), dtype=dtype)
            terms.append(tf.reduce_sum(f * c))
        dtypes = set(_base_dtype(t) for t in terms)
        if len(dtypes) > 1:
            terms = [t if _base_dtype(t) == tf.float32 else tf.cast(t, tf.float32) for t in terms]
        loss = terms[0] if len(terms) == 1 else tf.add_n(terms)
    return loss, list(used)


def grad_targets(tf, feed_dict):
    """OrderedDict x name -> x: floating placeholders of ``feed_dict`` (``feed:<name>``, in
    feed order) then trainable variables (``var:<name>``)."""
    xs = collections.OrderedDict()
    for p in (feed_dict or {}):
        if _base_dtype(p).is_floating:
            xs["feed:" + p.name] = p
    for v in tf.trainable_variables():
        xs["var:" + v.name] = v
    return xs


def _densify(values, indices, dense_shape):
    values = np.asarray(values)
    dense = np.zeros(tuple(int(d) for d in dense_shape), values.dtype)
    np.add.at(dense, np.asarray(indices).astype(np.int64), values)
    return dense


def run_grad_case(tf, case_, rnn_goldens, rnn_meta, gradients=True):
    """Build ``case_`` in a fresh graph of ``tf`` (graph seed ``rnn_cases.GRAPH_SEED``),
    build the loss and ``tf.gradients(loss, xs)``, load the forward goldens' weights and
    initialize the variables without one (``rnn_goldens`` = loaded ``rnn.npz``; None keeps
    the initial values), run.
    ``rnn_meta``: loaded ``rnn_meta.json`` (the fetches' run-time shapes).
    ``gradients=False`` builds and runs only the loss (a harness check that needs no
    gradient support: ``grads`` is then empty).

    Exceptions from the build, from ``tf.gradients`` or from the run propagate.  Returns
    None when the case has no loss (no floating fetch) or no xs, else a dict
      ``loss``            float,
      ``loss_fetches``    fetch names in the loss,
      ``xs``              x names in order,
      ``grads``           x name -> {"value": array or None, "indexed_slices": bool,
                          "x_dtype": dtype name, "x_shape": list},
      ``not_loaded``      variables without a golden value,
      ``variable_values`` variable name -> array (after loading).
    """
    case_meta = rnn_meta["cases"][case_.name]
    fetch_shapes = {k: v["shape"] for k, v in case_meta["fetches"].items()}
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(rnn_cases.GRAPH_SEED)
        fetches, feed = case_.build(tf)
        loss, used = grad_loss(tf, case_.name, fetches, fetch_shapes)
        xs = grad_targets(tf, feed)
        if loss is None or not xs:
            return None
        grads = tf.gradients(loss, list(xs.values())) if gradients else [None] * len(xs)
        if len(grads) != len(xs):
            raise AssertionError("tf.gradients returned %d gradients for %d xs"
                                 % (len(grads), len(xs)))
        run_fetches = {"loss": loss}
        kinds = {}
        for name, g in zip(xs, grads):
            if g is None:
                kinds[name] = None
            elif isinstance(g, tf.IndexedSlices):
                kinds[name] = "indexed_slices"
                run_fetches[name] = (g.values, g.indices, g.dense_shape)
            else:
                kinds[name] = "dense"
                run_fetches[name] = g
        variables = list(tf.global_variables())
        with tf.Session(graph=graph) as sess:
            not_loaded = rnn_cases.initialize_or_load(tf, sess, case_.name, variables, rnn_goldens)
            # the variables' values in the same run: one program to compile, not two
            values, out = sess.run((variables, run_fetches), feed_dict=feed or None)
    result_grads = collections.OrderedDict()
    for name, x in (xs.items() if gradients else ()):
        kind = kinds[name]
        if kind is None:
            value = None
        elif kind == "indexed_slices":
            gv, gi, gs = out[name]
            if gs is None:
                gs = [int(d) for d in x.get_shape().as_list()]
            value = _densify(gv, gi, gs)
        else:
            value = np.asarray(out[name])
        result_grads[name] = {"value": value, "indexed_slices": kind == "indexed_slices",
                              "x_dtype": rnn_cases._dtype_name(_base_dtype(x)),
                              "x_shape": None if x.get_shape().ndims is None
                              else [None if d is None else int(d) for d in x.get_shape().as_list()]}
    return {"loss": float(np.asarray(out["loss"])), "loss_fetches": used, "xs": list(xs),
            "grads": result_grads, "not_loaded": not_loaded,
            "variable_values": {v.name: np.asarray(val) for v, val in zip(variables, values)}}


def tolerances(dtype_name):
    return (RTOL64, ATOL64) if dtype_name == "float64" else (RTOL, ATOL)


def check_grad_case(case_name, result, goldens, meta):
    """Compare ``result`` (:func:`run_grad_case`) with the gradient goldens (``goldens``:
    loaded ``rnn_grads.npz``; ``meta``: loaded ``rnn_grads_meta.json``).  Returns a list of
    human-readable problems (empty == pass).  The loss value is checked first: a loss that
    differs means the forward pass / harness differs, not the gradients."""
    problems = []
    cmeta = meta["cases"][case_name]
    if result is None:
        return ["no loss / no xs built, golden has %d xs" % len(cmeta["xs"])]
    if result["not_loaded"]:
        problems.append("variables without a golden value: %s" % result["not_loaded"])
    if result["loss_fetches"] != cmeta["loss_fetches"]:
        problems.append("loss fetches %s != golden %s"
                        % (result["loss_fetches"], cmeta["loss_fetches"]))
    if result["xs"] != cmeta["xs"]:
        problems.append("xs %s != golden %s" % (result["xs"], cmeta["xs"]))
    if problems:
        return problems
    want_loss = float(np.asarray(goldens[loss_key(case_name)]))
    if not np.isclose(result["loss"], want_loss, rtol=RTOL, atol=ATOL):
        problems.append("loss value %r != golden %r (forward pass / harness differs, "
                        "not the gradients)" % (result["loss"], want_loss))
    none_want = set(cmeta["none"])
    slices_want = set(cmeta["indexed_slices"])
    for name in cmeta["xs"]:
        got = result["grads"][name]
        if name in none_want:
            if got["value"] is not None:
                problems.append("%s: gradient should be None (TF1 returns None: the loss does "
                                "not depend on it), got an array of shape %s"
                                % (name, list(np.shape(got["value"]))))
            continue
        if got["value"] is None:
            problems.append("%s: gradient is None, TF1 returns one" % name)
            continue
        if got["indexed_slices"] != (name in slices_want):
            problems.append("%s: gradient is %s, TF1's is %s" % (
                name, "IndexedSlices" if got["indexed_slices"] else "a dense Tensor",
                "IndexedSlices" if name in slices_want else "a dense Tensor"))
        want = np.asarray(goldens[grad_key(case_name, name)])
        raw = np.asarray(got["value"])
        if raw.dtype != want.dtype:
            problems.append("%s: gradient dtype %s != golden %s" % (name, raw.dtype, want.dtype))
            continue
        if raw.shape != want.shape:
            problems.append("%s: gradient shape %s != golden %s"
                            % (name, list(raw.shape), list(want.shape)))
            continue
        rtol, atol = tolerances(want.dtype.name)
        if not np.allclose(raw, want, rtol=rtol, atol=atol, equal_nan=True):
            err = np.abs(raw.astype(np.float64) - want)
            worst = np.unravel_index(np.argmax(err - rtol * np.abs(want)), err.shape)
            problems.append("%s: gradient values differ (rtol=%g atol=%g), max |diff| %.3g, "
                            "worst at %s: got %r want %r\n got=%r\nwant=%r"
                            % (name, rtol, atol, err.max(), tuple(int(i) for i in worst),
                               raw[worst], want[worst], raw, want))
    return problems
