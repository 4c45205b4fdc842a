"""RNN and control-flow parity cases (TF1 as the oracle), shared by the golden
generator (``make_rnn_goldens.py``, real TensorFlow) and the rnngraph tests.

This module never imports TensorFlow.  Every case is a function ``build(tf)``
that receives *a module implementing the tf.compat.v1 API*, builds a graph in
the current default graph and returns ``(fetches, feed_dict)``:

* ``fetches``   -- dict ``str -> structure`` where a structure is a Tensor /
  Variable, a Python scalar (turned into a ``tf.constant``, used to record
  Python-level facts such as "raw_rnn returned None for the loop state"), or a
  (nested) tuple / list / namedtuple / dict of those.  It is flattened by
  :func:`flatten_fetches` into names such as ``outputs``, ``state/0/c``
  (namedtuple fields by name, tuples/lists by index, dicts by sorted key), so
  the *Python structure* a function returns is part of what is compared
  (an ``LSTMStateTuple`` gives ``state/c``, a plain tuple ``state/0``).
* ``feed_dict`` -- dict ``placeholder -> numpy array`` (may be empty).

Weights: cases create their variables through the API as a TF1 user would
(default initializers).  The golden generator records every global variable's
value by ``v.name``; :func:`run_rnn_case` builds the same graph with the
implementation under test, runs ``var.load(golden_value, sess)`` for every
variable of the same name and the initializers of any others, so both
implementations compute with identical weights.  :func:`check_rnn_case` then
compares

1. the sorted list of ``(variable name, shape)`` (the variable-naming test),
   plus each variable's dtype and ``trainable`` flag,
2. the flattened fetch names,
3. per fetch: dtype and shape exactly, the *static* shape (``get_shape()``,
   ``None`` for unknown dims / rank) exactly, and the values with
   ``np.allclose(rtol, atol)`` (floats) or exact equality (ints / bools).

``ERROR_CASES`` are builds that should raise; :func:`run_error_case` records
the exception type, where it was raised (``build`` / ``session.run``) and the
message, to compare with ``goldens/tf_rnn_error_messages.json``.
"""

import collections
import re

import numpy as np

try:  # imported as parity.rnn_cases (pytest: tests/ on sys.path)
    from . import op_cases as _op
except ImportError:  # imported as a top-level module (golden generator)
    import op_cases as _op

_rng = _op._rng

RnnCase = collections.namedtuple("RnnCase", "name build rtol atol note")
CASES = collections.OrderedDict()  # name -> RnnCase

ErrorCase = collections.namedtuple("ErrorCase", "name build how")
ERROR_CASES = collections.OrderedDict()  # name -> ErrorCase

GRAPH_SEED = 20240601

# Small sizes (batch, time, input depth, units).
B, T, D, U = 3, 5, 4, 6
RAGGED = np.array([5, 2, 0], np.int32)  # incl. a full-length row and a zero length


def case(name, rtol=1e-5, atol=1e-5, note=""):
    """Decorator registering ``build(tf)`` as RNN parity case ``name``."""
    def deco(fn):
        _register(name, fn, rtol, atol, note)
        return fn
    return deco


def _register(name, fn, rtol=1e-5, atol=1e-5, note=""):
    if name in CASES:
        raise ValueError("duplicate rnn parity case %r" % name)
    if "/" in name or "@" in name:
        raise ValueError("case names may not contain '/' or '@': %r" % name)
    CASES[name] = RnnCase(name, fn, rtol, atol, note)


def error_case(name, how):
    """Decorator registering ``build(tf, run)`` as an error case.  ``run(fetches,
    feed=None)`` runs in a session of the case's graph (after the variable
    initializer) and marks the phase as ``session.run``.  A build that does not
    raise returns a (small, weight-independent) dict of results or None."""
    def deco(fn):
        if name in ERROR_CASES:
            raise ValueError("duplicate error case %r" % name)
        ERROR_CASES[name] = ErrorCase(name, fn, how)
        return fn
    return deco


# ---------------------------------------------------------------------------
# Structures (TF-free nest)
# ---------------------------------------------------------------------------

def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def map_structure(fn, struct):
    """Apply ``fn`` to every leaf, keeping namedtuple / tuple / list / dict types."""
    if _is_namedtuple(struct):
        return type(struct)(*[map_structure(fn, s) for s in struct])
    if isinstance(struct, (tuple, list)):
        return type(struct)(map_structure(fn, s) for s in struct)
    if isinstance(struct, dict):
        return {k: map_structure(fn, struct[k]) for k in struct}
    return fn(struct)


def flatten_with_names(prefix, struct):
    """[(name, leaf)]: namedtuple fields by name, tuples/lists by index, dicts by
    sorted key, joined with '/'."""
    out = []

    def rec(name, s):
        if _is_namedtuple(s):
            for field, v in zip(s._fields, s):
                rec(name + "/" + field, v)
        elif isinstance(s, (tuple, list)):
            if not s:
                raise ValueError("%s: empty sequence in fetches" % name)
            for i, v in enumerate(s):
                rec("%s/%d" % (name, i), v)
        elif isinstance(s, dict):
            for k in sorted(s):
                rec("%s/%s" % (name, k), s[k])
        else:
            out.append((name, s))

    rec(prefix, struct)
    return out


def flatten_fetches(tf, fetches):
    """dict name -> structure  ->  OrderedDict flat name -> Tensor/Variable.
    Python bool/int/float leaves become ``tf.constant`` (recorded facts)."""
    flat = collections.OrderedDict()
    for key in sorted(fetches):
        for name, leaf in flatten_with_names(key, fetches[key]):
            if leaf is None:
                raise ValueError("fetch %s is None" % name)
            if isinstance(leaf, (bool, int, float, np.ndarray, np.generic)):
                leaf = tf.constant(leaf)
            flat[name] = leaf
    return flat


def _static_shape(t):
    shape = t.get_shape()
    if shape.ndims is None:
        return None
    return [None if d is None else int(d) for d in shape.as_list()]


# ---------------------------------------------------------------------------
# Running and checking (implementation-agnostic)
# ---------------------------------------------------------------------------

def golden_fetch_key(case_name, fetch):
    return "%s/fetch/%s" % (case_name, fetch)


def golden_var_key(case_name, var_name):
    return "%s/var/%s" % (case_name, var_name)


def run_rnn_case(tf, case_, goldens=None):
    """Build ``case_`` in a fresh graph of module ``tf`` (graph seed
    ``GRAPH_SEED``), load the golden value of every variable that has one and
    initialize the others (``goldens`` is the loaded ``rnn.npz``; None = keep the
    initial values, which is what the generator records), then run the fetches once.

    Returns a dict with
      ``fetches``         flat name -> numpy array,
      ``static_shapes``   flat name -> list (None for unknown dims) or None,
      ``variables``       sorted list of (name, shape list, dtype name, trainable),
      ``variable_values`` name -> numpy array (after loading),
      ``not_loaded``      names of variables without a golden value.
    """
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(GRAPH_SEED)
        fetches, feed = case_.build(tf)
        flat = flatten_fetches(tf, fetches)
        variables = list(tf.global_variables())
        trainable = set(v.name for v in tf.trainable_variables())
        static_shapes = collections.OrderedDict((k, _static_shape(t)) for k, t in flat.items())
        with tf.Session(graph=graph) as sess:
            not_loaded = initialize_or_load(tf, sess, case_.name, variables, goldens)
            # the variables' values in the same run: one program to compile, not two
            values, out = sess.run((variables, dict(flat)), feed_dict=feed or None)
    var_info = sorted((v.name, [int(d) for d in v.get_shape().as_list()],
                       _dtype_name(v.dtype), v.name in trainable) for v in variables)
    return {
        "fetches": collections.OrderedDict((k, np.asarray(out[k])) for k in flat),
        "static_shapes": static_shapes,
        "variables": var_info,
        "variable_values": {v.name: np.asarray(val) for v, val in zip(variables, values)},
        "not_loaded": not_loaded,
    }


def initialize_or_load(tf, sess, case_name, variables, goldens):
    """Load every variable that has a golden value (``v.load``, as a TF1 script would) and
    run the initializers of the others only; returns the names of those not loaded.

    Initializing every variable first and overwriting most of them would compile one more
    program per case on a compiled target (an initializer with random ops: 1.5 s of a
    case's 7 s on the cpu target). With ``goldens`` None (the generator) every variable is
    initialized, as before."""
    loaded, not_loaded = [], []
    for v in variables:
        has_golden = goldens is not None and golden_var_key(case_name, v.name) in goldens
        (loaded if has_golden else not_loaded).append(v)
    if not_loaded:
        sess.run(tf.variables_initializer(not_loaded))
    for v in loaded:
        v.load(np.asarray(goldens[golden_var_key(case_name, v.name)]), sess)
    return [v.name for v in not_loaded]


def _dtype_name(dtype):
    name = getattr(dtype, "name", str(dtype))
    return name[:-4] if name.endswith("_ref") else name


def static_shape_refines(got, want):
    """True when the static shape `got` agrees with TF's `want` wherever TF knows a dim, and
    knows the rank when TF does. rnngraph may know more (e.g. a constant-size TensorArray's
    stack, a batch size read off constant sequence lengths): more specific is fine, never
    different or less."""
    if want is None:
        return True
    if got is None or len(got) != len(want):
        return False
    return all(w is None or g == w for g, w in zip(got, want))


def check_rnn_case(case_, result, goldens, meta):
    """Compare ``result`` (from :func:`run_rnn_case`) with the goldens.
    ``goldens``: loaded ``rnn.npz``; ``meta``: loaded ``rnn_meta.json``.
    Returns a list of human-readable problems (empty == pass)."""
    problems = []
    cmeta = meta["cases"][case_.name]
    want_vars = sorted((v["name"], v["shape"]) for v in cmeta["variables"])
    got_vars = sorted((name, shape) for name, shape, _, _ in result["variables"])
    if got_vars != want_vars:
        problems.append("variables (name, shape) differ:\n got=%s\nwant=%s" % (got_vars, want_vars))
    else:
        want_detail = {v["name"]: (v["dtype"], v["trainable"]) for v in cmeta["variables"]}
        for name, _, dtype, trainable in result["variables"]:
            if (dtype, trainable) != tuple(want_detail[name]):
                problems.append("variable %s: (dtype, trainable) %s != golden %s"
                                % (name, (dtype, trainable), tuple(want_detail[name])))
    fmeta = cmeta["fetches"]
    got_names = sorted(result["fetches"])
    if got_names != sorted(fmeta):
        problems.append("fetch names %s != golden %s" % (got_names, sorted(fmeta)))
        return problems
    for fetch in got_names:
        info = fmeta[fetch]
        raw = result["fetches"][fetch]
        if raw.dtype.name != info["dtype"]:
            problems.append("%s: dtype %s != golden %s" % (fetch, raw.dtype.name, info["dtype"]))
            continue
        if list(raw.shape) != info["shape"]:
            problems.append("%s: shape %s != golden %s" % (fetch, list(raw.shape), info["shape"]))
            continue
        static = result["static_shapes"][fetch]
        if not static_shape_refines(static, info["static_shape"]):
            problems.append("%s: static shape %s is not at least as specific as golden %s"
                            % (fetch, static, info["static_shape"]))
        want = np.asarray(goldens[golden_fetch_key(case_.name, fetch)])
        if want.dtype.kind in "fc":
            ok = np.allclose(raw, want, rtol=case_.rtol, atol=case_.atol, equal_nan=True)
        else:
            ok = np.array_equal(raw, want)
        if not ok:
            problems.append("%s: values differ (rtol=%g atol=%g)\n got=%r\nwant=%r"
                            % (fetch, case_.rtol, case_.atol, raw, want))
    return problems


# --- error cases ------------------------------------------------------------

_FRAME_RE = re.compile(r'^\s+File ".*", line \d+, in .*\n', re.M)
_TA_COUNTER_RE = re.compile(r"(TensorArray \S+?)_\d+:")


def clean_message(msg):
    """Remove the Python stack frames TF embeds in messages (local paths)."""
    msg = _FRAME_RE.sub("", msg)
    for marker in ("\n\nOriginal stack trace", " Originally defined at:"):
        i = msg.find(marker)
        if i >= 0:
            msg = msg[:i]
    return msg.rstrip()


def core_message(msg):
    """The kernel's own text: after "Node: '...'" / "Graph execution error:",
    before the "\\n\\t [[{{node ...}}]]" suffix."""
    m = re.search(r"\nNode: '[^']*'\n", msg)
    if m:
        msg = msg[m.end():]
    elif msg.startswith("Graph execution error:\n\n"):
        msg = msg[len("Graph execution error:\n\n"):]
    i = msg.find("\n\t [[")
    if i >= 0:
        msg = msg[:i]
    return msg.strip()


def normalize_ta_counter(msg):
    """TF's TensorArray kernels name the array '<tensor_array_name>_<N>' with a
    process-global counter N; replace N by '<N>'."""
    return _TA_COUNTER_RE.sub(r"\1_<N>:", msg)


def _to_jsonable(x):
    if isinstance(x, dict):
        return {str(k): _to_jsonable(v) for k, v in sorted(x.items())}
    if isinstance(x, (list, tuple)):
        return [_to_jsonable(v) for v in x]
    if x is None or isinstance(x, (bool, str)):
        return x
    if isinstance(x, (int, float, np.ndarray, np.generic)):
        return np.asarray(x).tolist()
    return "<%s>" % type(x).__name__  # a graph object: the build did not raise


def run_error_case(tf, ecase):
    """Run an error case; returns a record {exception, exception_module,
    raised_at, message, core_message, core_message_normalized[, error_code,
    op_name]} or, when nothing is raised, {exception: None, message:
    "NO ERROR RAISED", result}."""
    phase = {"where": "build"}
    graph = tf.Graph()

    def run(fetches, feed=None):
        with tf.Session(graph=graph) as sess:
            if tf.global_variables():
                phase["where"] = "initializer"
                sess.run(tf.global_variables_initializer())
            phase["where"] = "session.run"
            return sess.run(fetches, feed_dict=feed)

    with graph.as_default():
        tf.set_random_seed(GRAPH_SEED)
        try:
            result = ecase.build(tf, run)
        except Exception as e:  # noqa: BLE001 - we want every error type
            msg = clean_message(getattr(e, "message", None) or str(e))
            core = core_message(msg)
            rec = {"exception": type(e).__name__,
                   "exception_module": type(e).__module__,
                   "raised_at": phase["where"],
                   "message": msg,
                   "core_message": core,
                   "core_message_normalized": normalize_ta_counter(core)}
            if isinstance(e, tf.errors.OpError):
                rec["error_code"] = int(e.error_code)
                rec["op_name"] = e.op.name if e.op is not None else None
            return rec
    return {"exception": None, "raised_at": None, "message": "NO ERROR RAISED",
            "result": _to_jsonable(result)}


# ---------------------------------------------------------------------------
# Input helpers
# ---------------------------------------------------------------------------

def _randn(rng, *shape, scale=1.0):
    return (scale * rng.randn(*shape)).astype(np.float32)


def _inputs(tf, rng, time_major, depth=D, batch=B, time=T, static=False):
    """Placeholder [None, None, depth] (or fully static) + feed value; the data
    is drawn batch-major and transposed for time_major, so the batch- and
    time-major variants of a case see the same sequences."""
    value = _randn(rng, batch, time, depth)
    if time_major:
        value = np.ascontiguousarray(value.transpose(1, 0, 2))
    shape = list(value.shape) if static else [None, None, depth]
    x = tf.placeholder(tf.float32, shape, name="inputs")
    return x, value


def _state_from_sizes(tf, state_size, rng, feed, as_constants=False, batch=B):
    """A state matching ``state_size`` (keeps LSTMStateTuple / tuple types):
    placeholders [None, s] fed with random values, or constants."""
    def make(size):
        value = _randn(rng, batch, int(size), scale=0.5)
        if as_constants:
            return tf.constant(value)
        p = tf.placeholder(tf.float32, [None, int(size)])
        feed[p] = value
        return p
    return map_structure(make, state_size)


def _seqlen_placeholder(tf, feed, value=RAGGED):
    s = tf.placeholder(tf.int32, [None], name="sequence_length")
    feed[s] = np.asarray(value, np.int32)
    return s


# ===========================================================================
# Cells
# ===========================================================================

def _cells(tf):
    return tf.nn.rnn_cell


# cell key -> (factory(tf), input depth)
CELLS = collections.OrderedDict([
    ("basic_rnn", (lambda tf: _cells(tf).BasicRNNCell(U), D)),
    ("basic_lstm", (lambda tf: _cells(tf).BasicLSTMCell(U), D)),
    ("lstm", (lambda tf: _cells(tf).LSTMCell(U), D)),
    ("lstm_peephole_clip_proj", (lambda tf: _cells(tf).LSTMCell(
        U, use_peepholes=True, cell_clip=0.4, num_proj=5, proj_clip=0.1), D)),
    ("gru", (lambda tf: _cells(tf).GRUCell(U), D)),
    ("multi_lstm_lstm", (lambda tf: _cells(tf).MultiRNNCell(
        [_cells(tf).LSTMCell(U), _cells(tf).LSTMCell(U)]), D)),
    ("multi_gru_basic_rnn", (lambda tf: _cells(tf).MultiRNNCell(
        [_cells(tf).GRUCell(U), _cells(tf).BasicRNNCell(U)]), D)),
    ("dropout_lstm_keep1", (lambda tf: _cells(tf).DropoutWrapper(
        _cells(tf).LSTMCell(U), input_keep_prob=1.0, output_keep_prob=1.0,
        state_keep_prob=1.0), D)),
    # the residual connection needs output size == input depth
    ("residual_gru", (lambda tf: _cells(tf).ResidualWrapper(_cells(tf).GRUCell(D)), D)),
])


# ===========================================================================
# dynamic_rnn: the parity matrix
#   cell x sequence_length {none, ragged [5,2,0]} x {batch_major, time_major}
#        x {zero state via dtype=, initial_state given}
# ===========================================================================

def _dynamic_matrix_case(cell_key, seqlen, time_major, init):
    factory, depth = CELLS[cell_key]

    def build(tf):
        rng = _rng("dynamic_rnn." + cell_key)
        feed = {}
        x, xv = _inputs(tf, rng, time_major, depth=depth)
        feed[x] = xv
        cell = factory(tf)
        kwargs = {"time_major": time_major}
        if seqlen:
            kwargs["sequence_length"] = _seqlen_placeholder(tf, feed)
        if init:
            # batch-major: fed placeholders [None, s]; time-major: constants
            kwargs["initial_state"] = _state_from_sizes(
                tf, cell.state_size, rng, feed, as_constants=time_major)
        else:
            kwargs["dtype"] = tf.float32
        outputs, state = tf.nn.dynamic_rnn(cell, x, **kwargs)
        return {"outputs": outputs, "state": state}, feed

    return build


for _cell_key in CELLS:
    for _seqlen in (False, True):
        for _tm in (False, True):
            for _init in (False, True):
                _register("dynamic_rnn.%s.%s.%s.%s" % (
                    _cell_key, "seqlen" if _seqlen else "noseqlen",
                    "time_major" if _tm else "batch_major",
                    "init_state" if _init else "zero_state"),
                    _dynamic_matrix_case(_cell_key, _seqlen, _tm, _init))


# ===========================================================================
# dynamic_rnn: more sequence_length behaviour, shapes, naming
# ===========================================================================

@case("dynamic_rnn.lstm.seqlen_max_below_time",
      note="max(sequence_length)=3 < T=5: the loop stops after 3 steps, the unwritten "
           "output TensorArray entries are stacked as zeros")
def _(tf):
    rng = _rng("dynamic_rnn.lstm.seqlen_max_below_time")
    feed = {}
    x, feed[x] = _inputs(tf, rng, False)
    s = _seqlen_placeholder(tf, feed, [3, 1, 0])
    cell = tf.nn.rnn_cell.LSTMCell(U)
    init = _state_from_sizes(tf, cell.state_size, rng, feed)
    outputs, state = tf.nn.dynamic_rnn(cell, x, sequence_length=s, initial_state=init)
    return {"outputs": outputs, "state": state}, feed


@case("dynamic_rnn.gru.seqlen_all_zero",
      note="all lengths 0: one loop iteration (loop bound max(1, max_len)), outputs all "
           "zero, final state == initial state")
def _(tf):
    rng = _rng("dynamic_rnn.gru.seqlen_all_zero")
    feed = {}
    x, feed[x] = _inputs(tf, rng, False)
    s = _seqlen_placeholder(tf, feed, [0, 0, 0])
    cell = tf.nn.rnn_cell.GRUCell(U)
    init = _state_from_sizes(tf, cell.state_size, rng, feed)
    outputs, state = tf.nn.dynamic_rnn(cell, x, sequence_length=s, initial_state=init)
    return {"outputs": outputs, "state": state, "init": tf.identity(init)}, feed


@case("dynamic_rnn.gru.seqlen_exceeds_time",
      note="sequence_length [7, 2, 0] with T=5: no error in TF1; the row with length 7 "
           "behaves exactly like length 5 (loop bound min(T, max_len))")
def _(tf):
    rng = _rng("dynamic_rnn.gru.seqlen_exceeds_time")
    feed = {}
    x, feed[x] = _inputs(tf, rng, False)
    s = _seqlen_placeholder(tf, feed, [7, 2, 0])
    cell = tf.nn.rnn_cell.GRUCell(U)
    outputs, state = tf.nn.dynamic_rnn(cell, x, sequence_length=s, dtype=tf.float32)
    return {"outputs": outputs, "state": state}, feed


@case("dynamic_rnn.lstm.seqlen_int64_constant")
def _(tf):
    rng = _rng("dynamic_rnn.lstm.seqlen_int64_constant")
    feed = {}
    x, feed[x] = _inputs(tf, rng, True)
    s = tf.constant([4, 5, 1], dtype=tf.int64)
    cell = tf.nn.rnn_cell.LSTMCell(U)
    outputs, state = tf.nn.dynamic_rnn(cell, x, sequence_length=s, dtype=tf.float32,
                                       time_major=True, parallel_iterations=1,
                                       swap_memory=True)
    return {"outputs": outputs, "state": state}, feed


@case("dynamic_rnn.lstm.seqlen_python_list_static_shapes",
      note="fully static input [3,5,4]: outputs' static shape [3,5,6], state [3,6]")
def _(tf):
    rng = _rng("dynamic_rnn.lstm.seqlen_python_list_static_shapes")
    feed = {}
    x, feed[x] = _inputs(tf, rng, False, static=True)
    cell = tf.nn.rnn_cell.LSTMCell(U)
    outputs, state = tf.nn.dynamic_rnn(cell, x, sequence_length=[5, 3, 4], dtype=tf.float32)
    return {"outputs": outputs, "state": state}, feed


@case("dynamic_rnn.static_shapes_time_major")
def _(tf):
    rng = _rng("dynamic_rnn.static_shapes_time_major")
    feed = {}
    x, feed[x] = _inputs(tf, rng, True, static=True)
    cell = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.GRUCell(U), tf.nn.rnn_cell.LSTMCell(5)])
    outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32, time_major=True)
    return {"outputs": outputs, "state": state}, feed


@case("dynamic_rnn.scope_naming",
      note="dynamic_rnn(scope=...) inside a variable_scope: model/encoder/lstm_cell/..., "
           "model/decoder/gru_cell/...")
def _(tf):
    rng = _rng("dynamic_rnn.scope_naming")
    feed = {}
    x, feed[x] = _inputs(tf, rng, False)
    with tf.variable_scope("model"):
        enc_out, enc_state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(U), x,
                                               dtype=tf.float32, scope="encoder")
        dec_out, dec_state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(U), enc_out,
                                               initial_state=enc_state.h, scope="decoder")
    return {"enc_out": enc_out, "enc_state": enc_state,
            "dec_out": dec_out, "dec_state": dec_state}, feed


@case("dynamic_rnn.same_cell_twice",
      note="one LSTMCell object used by two dynamic_rnn calls with different scopes: the "
           "cell is built once, its variables live under the first scope only and are "
           "shared by the second call")
def _(tf):
    rng = _rng("dynamic_rnn.same_cell_twice")
    feed = {}
    x, feed[x] = _inputs(tf, rng, False)
    cell = tf.nn.rnn_cell.LSTMCell(U)
    o1, s1 = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32, scope="first")
    o2, s2 = tf.nn.dynamic_rnn(cell, x[:, ::-1], dtype=tf.float32, scope="second")
    return {"o1": o1, "s1": s1, "o2": o2, "s2": s2}, feed


@case("dynamic_rnn.two_layers_two_calls",
      note="stacking by hand: second dynamic_rnn on the first's outputs, default scope "
           "names would clash, so scopes 'layer_0'/'layer_1'")
def _(tf):
    rng = _rng("dynamic_rnn.two_layers_two_calls")
    feed = {}
    x, feed[x] = _inputs(tf, rng, False)
    s = _seqlen_placeholder(tf, feed, [4, 5, 2])
    h = x
    states = []
    for i in range(2):
        h, st = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicLSTMCell(U), h, sequence_length=s,
                                  dtype=tf.float32, scope="layer_%d" % i)
        states.append(st)
    return {"outputs": h, "states": tuple(states)}, feed


@case("cell.direct_call_naming",
      note="cells called directly: scope from the class name, uniquified in the current "
           "variable scope (lstm_cell, lstm_cell_1); scope= argument replaces it; name= "
           "sets it")
def _(tf):
    rng = _rng("cell.direct_call_naming")
    feed = {}
    x = tf.placeholder(tf.float32, [None, D])
    feed[x] = _randn(rng, B, D)
    batch = tf.shape(x)[0]
    c1 = tf.nn.rnn_cell.LSTMCell(U)
    c2 = tf.nn.rnn_cell.LSTMCell(U)
    o1, s1 = c1(x, c1.zero_state(batch, tf.float32))
    o2, s2 = c2(x, s1)
    c3 = tf.nn.rnn_cell.GRUCell(3)
    with tf.variable_scope("outer"):
        o3, s3 = c3(x, c3.zero_state(batch, tf.float32))
    c4 = tf.nn.rnn_cell.GRUCell(3)
    o4, s4 = c4(x, s3, scope="explicit")
    c5 = tf.nn.rnn_cell.BasicRNNCell(3, name="named")
    o5, s5 = c5(x, s4)
    # calling c1 again reuses its variables (no lstm_cell_2)
    o6, s6 = c1(x * 2.0, s2)
    return {"o1": o1, "s1": s1, "o2": o2, "s2": s2, "o3": o3, "s3": s3,
            "o4": o4, "s4": s4, "o5": o5, "s5": s5, "o6": o6, "s6": s6}, feed


@case("cell.sizes_and_zero_state",
      note="state_size / output_size as Python structures (recorded as constants; the "
           "fetch names carry the structure, e.g. LSTMStateTuple -> c/h) and zero_state "
           "with a dynamic batch size")
def _(tf):
    feed = {}
    x = tf.placeholder(tf.float32, [None, D])
    feed[x] = np.zeros((B, D), np.float32)
    batch = tf.shape(x)[0]
    out = {}
    for key, (factory, _) in CELLS.items():
        cell = factory(tf)
        out["state_size/" + key] = map_structure(int, cell.state_size)
        out["output_size/" + key] = int(cell.output_size)
        out["zero_state/" + key] = cell.zero_state(batch, tf.float32)
    cell = tf.nn.rnn_cell.LSTMCell(U)
    out["zero_state_static_batch/lstm"] = cell.zero_state(B, tf.float32)
    out["zero_state_float64/gru"] = tf.nn.rnn_cell.GRUCell(U).zero_state(2, tf.float64)
    return out, feed


# ===========================================================================
# bidirectional_dynamic_rnn
# ===========================================================================

def _bidi_case(seqlen, time_major, init):
    def build(tf):
        rng = _rng("bidirectional_dynamic_rnn")
        feed = {}
        x, feed[x] = _inputs(tf, rng, time_major)
        cell_fw = tf.nn.rnn_cell.LSTMCell(U)
        cell_bw = tf.nn.rnn_cell.GRUCell(5)
        kwargs = {"time_major": time_major}
        if seqlen:
            kwargs["sequence_length"] = _seqlen_placeholder(tf, feed)
        if init:
            kwargs["initial_state_fw"] = _state_from_sizes(tf, cell_fw.state_size, rng, feed)
            kwargs["initial_state_bw"] = _state_from_sizes(tf, cell_bw.state_size, rng, feed)
        else:
            kwargs["dtype"] = tf.float32
        outputs, states = tf.nn.bidirectional_dynamic_rnn(cell_fw, cell_bw, x, **kwargs)
        return {"outputs": outputs, "states": states}, feed
    return build


for _seqlen in (False, True):
    for _tm in (False, True):
        _register("bidirectional_dynamic_rnn.%s.%s" % (
            "seqlen" if _seqlen else "noseqlen", "time_major" if _tm else "batch_major"),
            _bidi_case(_seqlen, _tm, False))
_register("bidirectional_dynamic_rnn.seqlen.batch_major.init_state", _bidi_case(True, False, True))
_register("bidirectional_dynamic_rnn.seqlen.time_major.init_state", _bidi_case(True, True, True))


@case("bidirectional_dynamic_rnn.scope_and_multi")
def _(tf):
    rng = _rng("bidirectional_dynamic_rnn.scope_and_multi")
    feed = {}
    x, feed[x] = _inputs(tf, rng, False)
    s = _seqlen_placeholder(tf, feed, [3, 5, 1])
    cells = tf.nn.rnn_cell
    fw = cells.MultiRNNCell([cells.GRUCell(U), cells.GRUCell(U)])
    bw = cells.MultiRNNCell([cells.BasicLSTMCell(U), cells.BasicRNNCell(U)])
    outputs, states = tf.nn.bidirectional_dynamic_rnn(fw, bw, x, sequence_length=s,
                                                      dtype=tf.float32, scope="birnn")
    return {"outputs": outputs, "states": states, "concat": tf.concat(outputs, 2)}, feed


# ===========================================================================
# static_rnn / static_bidirectional_rnn
# ===========================================================================

def _static_inputs(tf, rng, feed):
    """A [None, T, D] placeholder unstacked into a list of T [None, D] tensors."""
    x = tf.placeholder(tf.float32, [None, T, D], name="inputs")
    feed[x] = _randn(rng, B, T, D)
    return tf.unstack(x, axis=1)


@case("static_rnn.lstm.noseqlen")
def _(tf):
    rng = _rng("static_rnn.lstm.noseqlen")
    feed = {}
    xs = _static_inputs(tf, rng, feed)
    outputs, state = tf.nn.static_rnn(tf.nn.rnn_cell.LSTMCell(U), xs, dtype=tf.float32)
    return {"outputs": outputs, "state": state}, feed


@case("static_rnn.lstm.seqlen")
def _(tf):
    rng = _rng("static_rnn.lstm.seqlen")
    feed = {}
    xs = _static_inputs(tf, rng, feed)
    s = _seqlen_placeholder(tf, feed)
    outputs, state = tf.nn.static_rnn(tf.nn.rnn_cell.LSTMCell(U), xs, dtype=tf.float32,
                                      sequence_length=s)
    return {"outputs": outputs, "state": state}, feed


@case("static_rnn.gru.seqlen_short.init_state")
def _(tf):
    rng = _rng("static_rnn.gru.seqlen_short.init_state")
    feed = {}
    xs = _static_inputs(tf, rng, feed)
    s = _seqlen_placeholder(tf, feed, [3, 1, 0])
    cell = tf.nn.rnn_cell.GRUCell(U)
    init = _state_from_sizes(tf, cell.state_size, rng, feed)
    outputs, state = tf.nn.static_rnn(cell, xs, initial_state=init, sequence_length=s)
    return {"outputs": outputs, "state": state}, feed


@case("static_rnn.multi.seqlen.scope")
def _(tf):
    rng = _rng("static_rnn.multi.seqlen.scope")
    feed = {}
    xs = _static_inputs(tf, rng, feed)
    s = _seqlen_placeholder(tf, feed, [2, 5, 4])
    cells = tf.nn.rnn_cell
    cell = cells.MultiRNNCell([cells.LSTMCell(U, use_peepholes=True), cells.GRUCell(U)])
    outputs, state = tf.nn.static_rnn(cell, xs, dtype=tf.float32, sequence_length=s,
                                      scope="unrolled")
    return {"outputs": outputs, "state": state}, feed


@case("static_bidirectional_rnn.noseqlen")
def _(tf):
    rng = _rng("static_bidirectional_rnn.noseqlen")
    feed = {}
    xs = _static_inputs(tf, rng, feed)
    outputs, st_fw, st_bw = tf.nn.static_bidirectional_rnn(
        tf.nn.rnn_cell.LSTMCell(U), tf.nn.rnn_cell.GRUCell(5), xs, dtype=tf.float32)
    return {"outputs": outputs, "state_fw": st_fw, "state_bw": st_bw}, feed


@case("static_bidirectional_rnn.seqlen.init_state")
def _(tf):
    rng = _rng("static_bidirectional_rnn.seqlen.init_state")
    feed = {}
    xs = _static_inputs(tf, rng, feed)
    s = _seqlen_placeholder(tf, feed)
    fw, bw = tf.nn.rnn_cell.LSTMCell(U), tf.nn.rnn_cell.GRUCell(5)
    outputs, st_fw, st_bw = tf.nn.static_bidirectional_rnn(
        fw, bw, xs, initial_state_fw=_state_from_sizes(tf, fw.state_size, rng, feed),
        initial_state_bw=_state_from_sizes(tf, bw.state_size, rng, feed), sequence_length=s)
    return {"outputs": outputs, "state_fw": st_fw, "state_bw": st_bw}, feed


# ===========================================================================
# raw_rnn
# ===========================================================================

@case("raw_rnn.docstring_loop",
      note="TF's docstring example: inputs unstacked into a TensorArray, finished = "
           "time >= sequence_length, next input zeros once all are finished; no loop state")
def _(tf):
    rng = _rng("raw_rnn.docstring_loop")
    feed = {}
    inputs, feed[inputs] = _inputs(tf, rng, True)  # time-major [T, B, D]
    sequence_length = _seqlen_placeholder(tf, feed, [5, 2, 0])
    max_time = tf.shape(inputs)[0]
    batch_size = tf.shape(inputs)[1]
    inputs_ta = tf.TensorArray(dtype=tf.float32, size=max_time)
    inputs_ta = inputs_ta.unstack(inputs)
    cell = tf.nn.rnn_cell.LSTMCell(U)
    seen = []

    def loop_fn(time, cell_output, cell_state, loop_state):
        seen.append((cell_output is None, cell_state is None, loop_state is None,
                     None if loop_state is None else (loop_state.dtype == tf.int32)))
        emit_output = cell_output  # == None for time == 0
        if cell_output is None:  # time == 0
            next_cell_state = cell.zero_state(batch_size, tf.float32)
        else:
            next_cell_state = cell_state
        elements_finished = (time >= sequence_length)
        finished = tf.reduce_all(elements_finished)
        next_input = tf.cond(
            finished,
            lambda: tf.zeros([batch_size, D], dtype=tf.float32),
            lambda: inputs_ta.read(time))
        next_loop_state = None
        return (elements_finished, next_input, next_cell_state, emit_output, next_loop_state)

    outputs_ta, final_state, final_loop_state = tf.nn.raw_rnn(cell, loop_fn)
    facts = {
        "loop_fn_calls": len(seen),
        "time0_cell_output_is_none": seen[0][0],
        "time0_cell_state_is_none": seen[0][1],
        "time0_loop_state_is_none": seen[0][2],
        "body_loop_state_is_none": seen[1][2],
        "body_loop_state_is_int32": bool(seen[1][3]),
        "final_loop_state_is_none": final_loop_state is None,
    }
    return {"outputs": outputs_ta.stack(), "final_state": final_state,
            "outputs_size": outputs_ta.size(), "facts": facts}, feed


@case("raw_rnn.loop_state_counter_accumulator",
      note="loop_state = (int32 step counter, running sum of the cell outputs, a "
           "dynamic_size TensorArray of per-step output sums)")
def _(tf):
    rng = _rng("raw_rnn.loop_state_counter_accumulator")
    feed = {}
    inputs, feed[inputs] = _inputs(tf, rng, True)
    sequence_length = _seqlen_placeholder(tf, feed, [4, 5, 2])
    max_time = tf.shape(inputs)[0]
    batch_size = tf.shape(inputs)[1]
    inputs_ta = tf.TensorArray(dtype=tf.float32, size=max_time).unstack(inputs)
    cell = tf.nn.rnn_cell.GRUCell(U)
    init_state = _state_from_sizes(tf, cell.state_size, rng, feed)

    def loop_fn(time, cell_output, cell_state, loop_state):
        if cell_output is None:
            next_state = init_state
            next_loop_state = (tf.constant(0), tf.zeros([batch_size, U]),
                               tf.TensorArray(tf.float32, size=0, dynamic_size=True,
                                              element_shape=[]))
        else:
            next_state = cell_state
            counter, acc, ta = loop_state
            next_loop_state = (counter + 1, acc + cell_output,
                               ta.write(time - 1, tf.reduce_sum(cell_output)))
        elements_finished = time >= sequence_length
        next_input = tf.cond(tf.reduce_all(elements_finished),
                             lambda: tf.zeros([batch_size, D]),
                             lambda: inputs_ta.read(time))
        return elements_finished, next_input, next_state, cell_output, next_loop_state

    outputs_ta, final_state, (counter, acc, ta) = tf.nn.raw_rnn(cell, loop_fn)
    return {"outputs": outputs_ta.stack(), "final_state": final_state,
            "counter": counter, "acc": acc, "step_sums": ta.stack()}, feed


VOCAB, EMB, END_TOKEN, DECODE_MAX = 7, 4, 2, 6


@case("raw_rnn.greedy_decoder",
      note="feed-previous decoding: next input = embedding_lookup(argmax(output @ W + b)); "
           "finished when the end token is emitted or time >= max; emit_structure given at "
           "time 0 as (zeros [VOCAB] float32, zeros [] int32); loop_state = lengths")
def _(tf):
    rng = _rng("raw_rnn.greedy_decoder")
    feed = {}
    start = tf.placeholder(tf.int32, [None], name="start_tokens")
    feed[start] = np.array([0, 1, 5], np.int32)
    batch_size = tf.shape(start)[0]
    embedding = tf.get_variable("embedding", [VOCAB, EMB])
    with tf.variable_scope("projection"):
        w = tf.get_variable("w", [U, VOCAB])
        b = tf.get_variable("b", [VOCAB], initializer=tf.random_uniform_initializer(-1.0, 1.0))
    cell = tf.nn.rnn_cell.GRUCell(U)
    h0 = tf.placeholder(tf.float32, [None, U], name="h0")
    feed[h0] = _randn(rng, B, U)

    def loop_fn(time, cell_output, cell_state, loop_state):
        if cell_output is None:
            finished = tf.zeros([batch_size], dtype=tf.bool)
            next_input = tf.nn.embedding_lookup(embedding, start)
            emit = (tf.zeros([VOCAB], tf.float32), tf.zeros([], tf.int32))
            return finished, next_input, h0, emit, (tf.zeros([batch_size], tf.int32), finished)
        lengths, done = loop_state
        logits = tf.matmul(cell_output, w) + b
        ids = tf.argmax(logits, axis=1, output_type=tf.int32)
        finished = tf.logical_or(tf.equal(ids, END_TOKEN), time >= DECODE_MAX)
        next_input = tf.nn.embedding_lookup(embedding, ids)
        # the loop state is NOT copied through for finished rows: count by hand
        lengths = lengths + tf.cast(tf.logical_not(done), tf.int32)
        return finished, next_input, cell_state, (logits, ids), (lengths, tf.logical_or(done, finished))

    emit_ta, final_state, (lengths, done) = tf.nn.raw_rnn(cell, loop_fn)
    logits_ta, ids_ta = emit_ta
    return {"logits": logits_ta.stack(), "ids": ids_ta.stack(), "final_state": final_state,
            "lengths": lengths, "done": done, "steps": logits_ta.size(),
            "emit_ta_is_tuple": isinstance(emit_ta, tuple)}, feed


# ===========================================================================
# Nested inputs / outputs through a custom cell
# ===========================================================================

_NESTED_CELL_CLASSES = {}


def nested_cell_class(tf):
    """A user-defined RNNCell subclass (defined per tf module): input is a pair
    (x1 [B, d1], x2 [B, d2]); state is a pair (s1 [B, a], s2 [B, b]); output is
    a pair (n1, 2 * n2).  Variables w1, w2 via tf.get_variable in ``call``."""
    key = id(tf)
    if key not in _NESTED_CELL_CLASSES:
        class NestedCell(tf.nn.rnn_cell.RNNCell):
            def __init__(self, a, b, **kwargs):
                super(NestedCell, self).__init__(**kwargs)
                self._a, self._b = a, b

            @property
            def state_size(self):
                return (self._a, self._b)

            @property
            def output_size(self):
                return (self._a, self._b)

            def call(self, inputs, state):
                x1, x2 = inputs
                s1, s2 = state
                w1 = tf.get_variable("w1", [int(x1.get_shape()[-1]) + self._a, self._a])
                w2 = tf.get_variable("w2", [int(x2.get_shape()[-1]) + self._b, self._b])
                n1 = tf.tanh(tf.matmul(tf.concat([x1, s1], 1), w1))
                n2 = tf.sigmoid(tf.matmul(tf.concat([x2, s2], 1), w2))
                return (n1, n2 * 2.0), (n1, n2)

        _NESTED_CELL_CLASSES[key] = NestedCell
    return _NESTED_CELL_CLASSES[key]


def _nested_case(seqlen, time_major, init):
    def build(tf):
        rng = _rng("dynamic_rnn.nested_cell")
        feed = {}
        x1, feed[x1] = _inputs(tf, rng, time_major, depth=D)
        x2, feed[x2] = _inputs(tf, rng, time_major, depth=2)
        cell = nested_cell_class(tf)(U, 3)
        kwargs = {"time_major": time_major}
        if seqlen:
            kwargs["sequence_length"] = _seqlen_placeholder(tf, feed)
        if init:
            kwargs["initial_state"] = _state_from_sizes(tf, cell.state_size, rng, feed)
        else:
            kwargs["dtype"] = tf.float32
        outputs, state = tf.nn.dynamic_rnn(cell, (x1, x2), **kwargs)
        return {"outputs": outputs, "state": state}, feed
    return build


_register("dynamic_rnn.nested_cell.seqlen.batch_major.zero_state", _nested_case(True, False, False))
_register("dynamic_rnn.nested_cell.noseqlen.time_major.init_state", _nested_case(False, True, True))
_register("dynamic_rnn.nested_cell.seqlen.time_major.init_state", _nested_case(True, True, True))


# ===========================================================================
# stack_bidirectional_dynamic_rnn (tf.contrib.rnn in TF1)
# ===========================================================================

def _stack_bidirectional_dynamic_rnn_reference(tf):
    """tf.contrib.rnn.stack_bidirectional_dynamic_rnn (TF 1.x,
    tensorflow/contrib/rnn/python/ops/rnn.py), restated for TF 2.x which has
    no tf.contrib: one bidirectional_dynamic_rnn per layer in variable scopes
    "<scope or stack_bidirectional_rnn>/cell_<i>", each layer's input the
    concat (axis 2) of the previous layer's fw/bw outputs; returns (outputs,
    tuple(states_fw), tuple(states_bw))."""
    def stack_bidirectional_dynamic_rnn(cells_fw, cells_bw, inputs, initial_states_fw=None,
                                        initial_states_bw=None, dtype=None,
                                        sequence_length=None, parallel_iterations=None,
                                        time_major=False, scope=None):
        if not cells_fw:
            raise ValueError("Must specify at least one fw cell for BidirectionalRNN.")
        if not cells_bw:
            raise ValueError("Must specify at least one bw cell for BidirectionalRNN.")
        if not isinstance(cells_fw, list):
            raise ValueError("cells_fw must be a list of RNNCells (one per layer).")
        if not isinstance(cells_bw, list):
            raise ValueError("cells_bw must be a list of RNNCells (one per layer).")
        if len(cells_fw) != len(cells_bw):
            raise ValueError("Forward and Backward cells must have the same depth.")
        if (initial_states_fw is not None
                and (not isinstance(initial_states_fw, list)
                     or len(initial_states_fw) != len(cells_fw))):
            raise ValueError("initial_states_fw must be a list of state tensors (one per layer).")
        if (initial_states_bw is not None
                and (not isinstance(initial_states_bw, list)
                     or len(initial_states_bw) != len(cells_bw))):
            raise ValueError("initial_states_bw must be a list of state tensors (one per layer).")
        states_fw, states_bw = [], []
        prev_layer = inputs
        with tf.variable_scope(scope or "stack_bidirectional_rnn"):
            for i, (cell_fw, cell_bw) in enumerate(zip(cells_fw, cells_bw)):
                init_fw = initial_states_fw[i] if initial_states_fw else None
                init_bw = initial_states_bw[i] if initial_states_bw else None
                with tf.variable_scope("cell_%d" % i):
                    outputs, (state_fw, state_bw) = tf.nn.bidirectional_dynamic_rnn(
                        cell_fw, cell_bw, prev_layer, initial_state_fw=init_fw,
                        initial_state_bw=init_bw, sequence_length=sequence_length,
                        parallel_iterations=parallel_iterations, dtype=dtype,
                        time_major=time_major)
                    prev_layer = tf.concat(outputs, 2)
                states_fw.append(state_fw)
                states_bw.append(state_bw)
        return prev_layer, tuple(states_fw), tuple(states_bw)
    return stack_bidirectional_dynamic_rnn


def stack_bidirectional_dynamic_rnn_fn(tf):
    """tf.contrib.rnn.stack_bidirectional_dynamic_rnn if the module has it, else
    tf.nn.stack_bidirectional_dynamic_rnn (rnngraph), else the reference above
    (real TF 2.x)."""
    contrib = getattr(tf, "contrib", None)
    fn = getattr(getattr(contrib, "rnn", None), "stack_bidirectional_dynamic_rnn", None)
    if fn is None:
        fn = getattr(tf.nn, "stack_bidirectional_dynamic_rnn", None)
    if fn is None:
        fn = _stack_bidirectional_dynamic_rnn_reference(tf)
    return fn


@case("stack_bidirectional_dynamic_rnn.seqlen.batch_major")
def _(tf):
    rng = _rng("stack_bidirectional_dynamic_rnn.seqlen.batch_major")
    feed = {}
    x, feed[x] = _inputs(tf, rng, False)
    s = _seqlen_placeholder(tf, feed)
    cells = tf.nn.rnn_cell
    outputs, st_fw, st_bw = stack_bidirectional_dynamic_rnn_fn(tf)(
        [cells.LSTMCell(U), cells.GRUCell(5)], [cells.LSTMCell(U), cells.GRUCell(4)], x,
        sequence_length=s, dtype=tf.float32)
    return {"outputs": outputs, "states_fw": st_fw, "states_bw": st_bw}, feed


@case("stack_bidirectional_dynamic_rnn.time_major.init_states.scope")
def _(tf):
    rng = _rng("stack_bidirectional_dynamic_rnn.time_major.init_states.scope")
    feed = {}
    x, feed[x] = _inputs(tf, rng, True)
    cells = tf.nn.rnn_cell
    fw = [cells.GRUCell(U), cells.GRUCell(U), cells.BasicRNNCell(3)]
    bw = [cells.GRUCell(U), cells.BasicLSTMCell(4), cells.GRUCell(3)]
    init_fw = [_state_from_sizes(tf, c.state_size, rng, feed) for c in fw]
    init_bw = [_state_from_sizes(tf, c.state_size, rng, feed) for c in bw]
    outputs, st_fw, st_bw = stack_bidirectional_dynamic_rnn_fn(tf)(
        fw, bw, x, initial_states_fw=init_fw, initial_states_bw=init_bw, time_major=True,
        scope="stack")
    return {"outputs": outputs, "states_fw": st_fw, "states_bw": st_bw}, feed


# ===========================================================================
# Control flow: while_loop
# ===========================================================================

Pair = collections.namedtuple("Pair", "first second")


@case("while_loop.counter_accumulator")
def _(tf):
    x = tf.placeholder(tf.float32, [4])
    i, acc = tf.while_loop(lambda i, acc: i < 10,
                           lambda i, acc: (i + 1, acc + tf.gather(x, i % 4) * tf.cast(i, tf.float32)),
                           (tf.constant(0), tf.constant(0.0)))
    return {"i": i, "acc": acc}, {x: np.array([1.5, -2.0, 0.25, 3.0], np.float32)}


@case("while_loop.single_loop_var_unpacked",
      note="TF1: a single loop variable given as a list/tuple comes back as a bare "
           "Tensor (return_same_structure=False); return_same_structure=True keeps the list")
def _(tf):
    r1 = tf.while_loop(lambda i: i < 5, lambda i: i + 2, [tf.constant(0)])
    r2 = tf.while_loop(lambda i: i < 5, lambda i: (i + 3,), (tf.constant(1),))
    r3 = tf.while_loop(lambda i: i < 5, lambda i: [i + 1], [tf.constant(0)],
                       return_same_structure=True)
    r4 = tf.while_loop(lambda i: i < 100, lambda i: i * 2, [tf.constant(1)],
                       maximum_iterations=4)
    return {"list": r1, "tuple": r2, "same_structure": r3, "max_iter_single": r4,
            "same_structure_is_list": isinstance(r3, list)}, {}


@case("while_loop.nested_structures",
      note="loop vars: (int, namedtuple Pair, dict with a nested tuple)")
def _(tf):
    x = tf.placeholder(tf.float32, [2, 3])
    xv = _randn(_rng("while_loop.nested_structures"), 2, 3)

    def body(i, pair, d):
        new_pair = Pair(first=pair.first * 0.5 + d["m"], second=pair.second + i)
        new_d = {"m": tf.tanh(d["m"] + x), "t": (d["t"][0] - 1.0, tf.concat([d["t"][1][1:], d["t"][1][:1]], 0))}
        return i + 1, new_pair, new_d

    loop_vars = (tf.constant(0), Pair(first=tf.zeros([2, 3]), second=tf.constant(10)),
                 {"m": x, "t": (tf.constant(1.0), tf.constant([1, 2, 3]))})
    out = tf.while_loop(lambda i, p, d: i < 4, body, loop_vars)
    return {"out": out}, {x: xv}


@case("while_loop.maximum_iterations")
def _(tf):
    n = tf.placeholder(tf.int32, [])
    a = tf.while_loop(lambda i, s: i < 100, lambda i, s: (i + 1, s * 2), (0, 1),
                      maximum_iterations=7)
    b = tf.while_loop(lambda i, s: i < 2, lambda i, s: (i + 1, s + 1.0), (0, 0.5),
                      maximum_iterations=7)
    c = tf.while_loop(lambda i: i < 100, lambda i: i + 1, [0], maximum_iterations=n)
    d = tf.while_loop(lambda i: i < 100, lambda i: i + 1, [0], maximum_iterations=0)
    return {"a": a, "b": b, "c": c, "zero_max": d}, {n: 3}


@case("while_loop.zero_iterations")
def _(tf):
    x = tf.placeholder(tf.float32, [None])
    i, y = tf.while_loop(lambda i, y: i < 0, lambda i, y: (i + 1, y * 10.0), (tf.constant(0), x))
    return {"i": i, "y": y}, {x: np.array([1.0, 2.0], np.float32)}


@case("while_loop.shape_invariants_concat")
def _(tf):
    x0 = tf.constant([[0.0, 1.0]])
    p = tf.placeholder(tf.float32, [2])

    def body(i, x, v):
        return i + 1, tf.concat([x, x[-1:] + p], 0), tf.concat([v, [tf.cast(i, tf.float32)]], 0)

    i, x, v = tf.while_loop(lambda i, x, v: i < 4, body, (tf.constant(0), x0, tf.zeros([0])),
                            shape_invariants=(tf.TensorShape([]), tf.TensorShape([None, 2]),
                                              tf.TensorShape([None])))
    return {"i": i, "x": x, "v": v}, {p: np.array([0.5, -1.0], np.float32)}


@case("while_loop.captures_outer_and_variable",
      note="the body reads an outer placeholder and a get_variable variable")
def _(tf):
    x = tf.placeholder(tf.float32, [3])
    w = tf.get_variable("w", [3])
    scale = tf.constant(0.5)
    i, acc = tf.while_loop(lambda i, acc: i < 4,
                           lambda i, acc: (i + 1, acc * scale + w * x),
                           (tf.constant(0), tf.zeros([3])), parallel_iterations=1)
    return {"i": i, "acc": acc, "w": w}, {x: np.array([1.0, -2.0, 3.0], np.float32)}


@case("while_loop.nested_while")
def _(tf):
    x = tf.placeholder(tf.float32, [])

    def outer_body(i, total):
        def inner_body(j, t):
            return j + 1, t + tf.cast(i * j, tf.float32) + x
        _, t = tf.while_loop(lambda j, t: j < i, inner_body, (tf.constant(0), total))
        return i + 1, t

    i, total = tf.while_loop(lambda i, t: i < 4, outer_body, (tf.constant(0), tf.constant(0.0)))
    return {"i": i, "total": total}, {x: np.float32(0.25)}


@case("while_loop.cond_inside")
def _(tf):
    x = tf.placeholder(tf.float32, [2])

    def body(i, acc):
        acc = tf.cond(tf.equal(i % 2, 0), lambda: acc + x, lambda: acc * 2.0)
        return i + 1, acc

    i, acc = tf.while_loop(lambda i, acc: i < 5, body, (tf.constant(0), tf.zeros([2])))
    return {"i": i, "acc": acc}, {x: np.array([1.0, -0.5], np.float32)}


@case("while_loop.tensor_array_dynamic_size",
      note="dynamic_size TensorArray grown by writes in a loop; size, stack")
def _(tf):
    n = tf.placeholder(tf.int32, [])

    def body(i, ta):
        return i + 1, ta.write(i, tf.stack([tf.cast(i * i, tf.float32), -1.0]))

    i, ta = tf.while_loop(lambda i, ta: i < n, body,
                          (tf.constant(0), tf.TensorArray(tf.float32, size=0, dynamic_size=True)))
    return {"i": i, "stacked": ta.stack(), "size": ta.size()}, {n: 4}


@case("while_loop.tensor_array_read_in_loop")
def _(tf):
    x = tf.placeholder(tf.float32, [None, 3])
    xv = _randn(_rng("while_loop.tensor_array_read_in_loop"), 4, 3)
    n = tf.shape(x)[0]
    in_ta = tf.TensorArray(tf.float32, size=n).unstack(x)
    out_ta = tf.TensorArray(tf.float32, size=n)

    def body(i, acc, out):
        v = in_ta.read(i)
        acc = acc + v
        return i + 1, acc, out.write(i, acc * v)

    _, acc, out = tf.while_loop(lambda i, a, o: i < n, body, (0, tf.zeros([3]), out_ta))
    return {"acc": acc, "out": out.stack()}, {x: xv}


# ===========================================================================
# Control flow: cond / case
# ===========================================================================

@case("cond.nested_outputs")
def _(tf):
    p_true = tf.placeholder(tf.bool, [])
    p_false = tf.placeholder(tf.bool, [])
    x = tf.placeholder(tf.float32, [2])

    def true_fn():
        return (x + 1.0, {"a": x * 2.0, "b": (tf.constant(1), Pair(first=x, second=tf.constant(True)))})

    def false_fn():
        return (x - 1.0, {"a": x * -2.0, "b": (tf.constant(2), Pair(first=-x, second=tf.constant(False)))})

    return ({"taken_true": tf.cond(p_true, true_fn, false_fn),
             "taken_false": tf.cond(p_false, true_fn=true_fn, false_fn=false_fn)},
            {p_true: True, p_false: False, x: np.array([0.5, 3.0], np.float32)})


@case("cond.singleton_unpacked",
      note="TF1 (strict=False): a branch returning a one-element list/tuple gives a bare "
           "Tensor; strict=True keeps the list")
def _(tf):
    p = tf.placeholder(tf.bool, [])
    x = tf.constant([1.0, 2.0])
    r1 = tf.cond(p, lambda: [x], lambda: [x * 3.0])
    r2 = tf.cond(p, lambda: (x + 1.0,), lambda: (x,))
    r3 = tf.cond(p, lambda: [x], lambda: [-x], strict=True)
    return {"list": r1, "tuple": r2, "strict": r3}, {p: False}


@case("cond.inside_cond")
def _(tf):
    p = tf.placeholder(tf.bool, [])
    q = tf.placeholder(tf.bool, [])
    x = tf.placeholder(tf.float32, [3])

    def outer_true():
        return tf.cond(q, lambda: x * 10.0, lambda: x + 100.0)

    def outer_false():
        return tf.cond(q, lambda: -x, lambda: x * 0.0)

    a = tf.cond(p, outer_true, outer_false)
    b = tf.cond(tf.logical_not(p), outer_true, outer_false)
    return {"a": a, "b": b}, {p: True, q: False, x: np.array([1.0, 2.0, 3.0], np.float32)}


@case("cond.branches_capture_outer")
def _(tf):
    rng = _rng("cond.branches_capture_outer")
    p = tf.placeholder(tf.bool, [])
    a = tf.placeholder(tf.float32, [2, 3])
    w = tf.constant(_randn(rng, 3, 4))
    bias = tf.get_variable("bias", [4])

    def true_fn():
        h = tf.matmul(a, w) + bias
        return tf.nn.relu(h), tf.reduce_sum(h)

    def false_fn():
        return tf.zeros([2, 4]) + bias, tf.constant(0.0)

    out, total = tf.cond(p, true_fn, false_fn)
    return {"out": out, "total": total}, {p: True, a: _randn(rng, 2, 3)}


@case("cond.untaken_branch_not_run",
      note="only the taken branch executes: the other one would fail (out-of-range "
           "gather, failing Assert)")
def _(tf):
    p = tf.placeholder(tf.bool, [])
    x = tf.placeholder(tf.float32, [3])

    def bad():
        with tf.control_dependencies([tf.Assert(tf.constant(False), [x])]):
            return tf.gather(x, [10]) + 1.0

    r1 = tf.cond(p, lambda: x[:1] * 2.0, bad)
    r2 = tf.cond(tf.logical_not(p), bad, lambda: x[1:2] - 1.0)
    return {"r1": r1, "r2": r2}, {p: True, x: np.array([1.0, 2.0, 3.0], np.float32)}


@case("case.first_true_wins_and_default")
def _(tf):
    p1, p2, p3 = (tf.placeholder(tf.bool, []) for _ in range(3))
    x = tf.placeholder(tf.float32, [2])
    pairs = [(p1, lambda: x * 1.0), (p2, lambda: x * 2.0), (p3, lambda: x * 3.0)]
    r1 = tf.case(pairs, default=lambda: x * -1.0)
    r2 = tf.case([(tf.logical_not(p2), lambda: x + 1.0)], default=lambda: x - 1.0)
    r3 = tf.case([(p2, lambda: (x, tf.constant(1))), (p3, lambda: (-x, tf.constant(2)))],
                 default=lambda: (x * 0.0, tf.constant(3)), exclusive=False)
    r4 = tf.case([(p1, lambda: x * 5.0), (p2, lambda: x * 6.0)], default=lambda: x * 7.0,
                 exclusive=True)
    return ({"first_true": r1, "default": r2, "tuple": r3, "exclusive": r4},
            {p1: False, p2: True, p3: True, x: np.array([1.0, -2.0], np.float32)})


# ===========================================================================
# TensorArray
# ===========================================================================

@case("tensor_array.write_read_stack")
def _(tf):
    x = tf.placeholder(tf.float32, [2])
    ta = tf.TensorArray(tf.float32, size=3)
    ta = ta.write(0, x).write(2, x * 3.0).write(1, x * 2.0)
    ta2 = tf.TensorArray(tf.float32, size=3, clear_after_read=False)
    ta2 = ta2.write(0, x).write(1, -x).write(2, x + 1.0)
    return {"stack": ta.stack(), "read1": ta2.read(1), "size": ta.size(),
            "dtype_is_float32": ta.dtype == tf.float32}, {x: np.array([1.0, 2.0], np.float32)}


@case("tensor_array.unstack_gather_scatter")
def _(tf):
    x = tf.placeholder(tf.float32, [4, 2])
    xv = _randn(_rng("tensor_array.unstack_gather_scatter"), 4, 2)
    ta = tf.TensorArray(tf.float32, size=4).unstack(x)
    gathered = ta.gather([3, 1])
    ta2 = tf.TensorArray(tf.float32, size=4).unstack(x)
    ta3 = tf.TensorArray(tf.float32, size=5, element_shape=[2]).scatter([4, 0, 2], x[:3])
    ta4 = tf.TensorArray(tf.int32, size=0, dynamic_size=True).scatter([2, 0], [[7, 8], [9, 10]])
    return {"gathered": gathered, "unstack_size": ta2.size(), "read2": ta2.read(2),
            "scatter_stack": ta3.stack(), "scatter_dynamic": ta4.stack(),
            "scatter_dynamic_size": ta4.size()}, {x: xv}


@case("tensor_array.concat_split")
def _(tf):
    v = tf.placeholder(tf.float32, [None, 2])
    vv = _randn(_rng("tensor_array.concat_split"), 6, 2)
    ta = tf.TensorArray(tf.float32, size=3, infer_shape=False).split(v, [1, 2, 3])
    ta2 = tf.TensorArray(tf.float32, size=3, infer_shape=False).split(v, [3, 0, 3])
    ta3 = tf.TensorArray(tf.float32, size=2, infer_shape=False).write(1, v[:1]).write(0, v[2:5])
    return {"read2": ta.read(2), "concat_with_empty": ta2.concat(), "size": ta2.size(),
            "concat_written": ta3.concat()}, {v: vv}


@case("tensor_array.identity_size_dtype")
def _(tf):
    ta = tf.TensorArray(tf.int32, size=2).write(0, [1, 2]).write(1, [3, 4])
    ta_id = ta.identity()
    ta_b = tf.TensorArray(tf.bool, size=2, element_shape=[]).write(1, True)
    return {"identity_stack": ta_id.stack(), "size": ta_id.size(), "bool_stack": ta_b.stack()}, {}


@case("tensor_array.element_shape_inference",
      note="static shapes of reads/stacks from element_shape, from the first write "
           "(infer_shape=True), partially known element_shape")
def _(tf):
    a = tf.placeholder(tf.float32, [None, 3])
    av = np.arange(6, dtype=np.float32).reshape(2, 3)
    ta1 = tf.TensorArray(tf.float32, size=2).write(0, a).write(1, a * 2.0)
    ta2 = tf.TensorArray(tf.float32, size=2, element_shape=tf.TensorShape([None, 3]))
    ta2 = ta2.write(0, a).write(1, a + 1.0)
    ta3 = tf.TensorArray(tf.float32, size=2, element_shape=[2, 3]).write(1, a)
    ta4 = tf.TensorArray(tf.float32, size=2, clear_after_read=False).write(0, tf.zeros([4]))
    ta4 = ta4.write(1, tf.ones([4]))
    return {"infer": ta1.stack(), "partial": ta2.stack(), "full": ta3.stack(),
            "read_full": ta4.read(1), "gather_full": ta4.gather([1, 0])}, {a: av}


@case("tensor_array.clear_after_read_false_read_twice")
def _(tf):
    x = tf.placeholder(tf.float32, [3])
    ta = tf.TensorArray(tf.float32, size=2, clear_after_read=False).write(0, x).write(1, -x)
    first = ta.read(0)
    with tf.control_dependencies([first]):
        second = ta.read(0) * 2.0
    with tf.control_dependencies([second]):
        stacked = ta.stack()
    return {"first": first, "second": second, "stacked": stacked}, {x: np.array([1.0, 2.0, 3.0], np.float32)}


@case("tensor_array.unwritten_elements_zero_filled",
      note="with a known element shape (given, or inferred from a write) unwritten "
           "elements read / stack / gather as zeros; no error")
def _(tf):
    x = tf.placeholder(tf.float32, [2])
    ta = tf.TensorArray(tf.float32, size=4, clear_after_read=False).write(1, x)
    ta_given = tf.TensorArray(tf.float32, size=3, element_shape=[2], clear_after_read=False)
    ta_given = ta_given.write(2, x * 2.0)
    ta_dyn = tf.TensorArray(tf.float32, size=1, dynamic_size=True).write(3, x)
    ta_empty = tf.TensorArray(tf.float32, size=0, element_shape=[2])
    return {"stack": ta.stack(), "gather": ta.gather([0, 1, 3]), "read_unwritten": ta.read(2),
            "given_stack": ta_given.stack(), "given_read0": ta_given.read(0),
            "dynamic_grown": ta_dyn.stack(), "empty_stack": ta_empty.stack()}, \
        {x: np.array([1.5, -2.5], np.float32)}


@case("tensor_array.dynamic_size_write_past_end")
def _(tf):
    ta = tf.TensorArray(tf.float32, size=2, dynamic_size=True).write(0, [1.0]).write(5, [2.0])
    return {"stack": ta.stack(), "size": ta.size()}, {}


# ===========================================================================
# Error cases (recorded in goldens/tf_rnn_error_messages.json)
# ===========================================================================

@error_case("ta_read_unwritten_index", "TensorArray(size=3, unknown element shape).read(0), nothing written")
def _(tf, run):
    return run(tf.TensorArray(tf.float32, size=3).read(0))


@error_case("ta_read_unwritten_index_known_shape",
            "TensorArray(size=3, element_shape=[2]).write(1, ..).read(0): zeros, no error")
def _(tf, run):
    return {"value": run(tf.TensorArray(tf.float32, size=3, element_shape=[2]).write(1, [1.0, 2.0]).read(0))}


@error_case("ta_stack_unwritten_unknown_shape", "TensorArray(size=3).stack() with nothing written")
def _(tf, run):
    return run(tf.TensorArray(tf.float32, size=3).stack())


@error_case("ta_stack_size0_unknown_shape", "TensorArray(size=0).stack(), unknown element shape")
def _(tf, run):
    return run(tf.TensorArray(tf.float32, size=0).stack())


@error_case("ta_write_same_index_twice", "TensorArray(size=3).write(0, 1.).write(0, 2.).stack()")
def _(tf, run):
    return run(tf.TensorArray(tf.float32, size=3).write(0, 1.0).write(0, 2.0).stack())


@error_case("ta_write_out_of_range", "TensorArray(size=3).write(3, 1.) (not dynamic_size)")
def _(tf, run):
    return run(tf.TensorArray(tf.float32, size=3).write(3, 1.0).stack())


@error_case("ta_write_negative_index", "TensorArray(size=3).write(-1, 1.)")
def _(tf, run):
    return run(tf.TensorArray(tf.float32, size=3).write(-1, 1.0).stack())


@error_case("ta_read_out_of_range", "TensorArray(size=3).write(0, 1.).read(5)")
def _(tf, run):
    return run(tf.TensorArray(tf.float32, size=3).write(0, 1.0).read(5))


@error_case("ta_read_twice_clear_after_read",
            "clear_after_read=True (default): read(0) then, with a control dependency, read(0) again")
def _(tf, run):
    ta = tf.TensorArray(tf.float32, size=2).write(0, 1.0).write(1, 2.0)
    a = ta.read(0)
    with tf.control_dependencies([a]):
        b = ta.read(0)
    return run([a, b])


@error_case("ta_stack_after_read_clear_after_read", "read(0) then stack() (clear_after_read=True)")
def _(tf, run):
    ta = tf.TensorArray(tf.float32, size=2).write(0, 1.0).write(1, 2.0)
    a = ta.read(0)
    with tf.control_dependencies([a]):
        b = ta.stack()
    return run([a, b])


@error_case("ta_write_inconsistent_shape_build", "write [2] then [3] with infer_shape=True (build time)")
def _(tf, run):
    return run(tf.TensorArray(tf.float32, size=2).write(0, [1.0, 2.0]).write(1, [1.0, 2.0, 3.0]).stack())


@error_case("ta_write_inconsistent_shape_run", "write [2] then a fed [None] placeholder of length 3")
def _(tf, run):
    p = tf.placeholder(tf.float32, [None])
    ta = tf.TensorArray(tf.float32, size=2).write(0, [1.0, 2.0]).write(1, p)
    return run(ta.stack(), {p: [1.0, 2.0, 3.0]})


@error_case("ta_split_zero_length_with_inferred_shape",
            "split(v[5], lengths [2, 0, 3]) with infer_shape=True (default)")
def _(tf, run):
    return run(tf.TensorArray(tf.float32, size=3).split([1.0, 2.0, 3.0, 4.0, 5.0], [2, 0, 3]).read(2))


@error_case("dynamic_rnn_rank2_inputs", "dynamic_rnn(GRUCell(6), placeholder [None, 4], dtype=float32)")
def _(tf, run):
    x = tf.placeholder(tf.float32, [None, D])
    return tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(U), x, dtype=tf.float32)


@error_case("dynamic_rnn_unknown_input_depth", "dynamic_rnn on a placeholder [None, None, None]")
def _(tf, run):
    x = tf.placeholder(tf.float32, [None, None, None])
    return tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(U), x, dtype=tf.float32)


@error_case("dynamic_rnn_no_dtype_no_initial_state", "dynamic_rnn without dtype and initial_state")
def _(tf, run):
    x = tf.placeholder(tf.float32, [None, None, D])
    return tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(U), x)


@error_case("dynamic_rnn_not_a_cell", "dynamic_rnn(cell='not a cell', ...)")
def _(tf, run):
    x = tf.placeholder(tf.float32, [None, None, D])
    return tf.nn.dynamic_rnn("not a cell", x, dtype=tf.float32)


@error_case("dynamic_rnn_seqlen_wrong_batch_run",
            "sequence_length placeholder [None] fed 2 lengths for a batch of 3 (session.run)")
def _(tf, run):
    x = tf.placeholder(tf.float32, [None, None, D])
    s = tf.placeholder(tf.int32, [None])
    out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(U), x, sequence_length=s, dtype=tf.float32)
    return run(out, {x: np.zeros((B, T, D), np.float32), s: [5, 2]})


@error_case("dynamic_rnn_seqlen_wrong_batch_build",
            "static shapes: inputs [3, 5, 4], sequence_length constant of length 2")
def _(tf, run):
    x = tf.placeholder(tf.float32, [B, T, D])
    out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(U), x, sequence_length=[5, 2], dtype=tf.float32)
    return run(out, {x: np.zeros((B, T, D), np.float32)})


@error_case("dynamic_rnn_seqlen_rank2_build", "sequence_length of shape [3, 1]")
def _(tf, run):
    x = tf.placeholder(tf.float32, [None, None, D])
    return tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(U), x, sequence_length=[[5], [2], [0]],
                             dtype=tf.float32)


@error_case("dynamic_rnn_seqlen_exceeds_max_time_run",
            "sequence_length [7, 2, 0] fed with T=5: TF1 raises nothing; result compares the "
            "outputs/state with a run whose first length is 5 (same cell, shared weights)")
def _(tf, run):
    x = tf.placeholder(tf.float32, [None, None, D])
    s = tf.placeholder(tf.int32, [None])
    cell = tf.nn.rnn_cell.GRUCell(U)
    out7, st7 = tf.nn.dynamic_rnn(cell, x, sequence_length=s, dtype=tf.float32, scope="a")
    out5, st5 = tf.nn.dynamic_rnn(cell, x, sequence_length=tf.minimum(s, 5), dtype=tf.float32,
                                  scope="b")
    xv = _randn(_rng("dynamic_rnn_seqlen_exceeds_max_time_run"), B, T, D)
    o7, s7, o5, s5 = run([out7, st7, out5, st5], {x: xv, s: [7, 2, 0]})
    return {"outputs_shape": list(o7.shape), "outputs_equal_to_length_5": bool(np.array_equal(o7, o5)),
            "state_equal_to_length_5": bool(np.array_equal(s7, s5)),
            "outputs_finite": bool(np.isfinite(o7).all())}


@error_case("bidirectional_dynamic_rnn_seqlen_exceeds_max_time_run",
            "bidirectional_dynamic_rnn, sequence_length [7, 2, 0] fed with T=5 (reverse_sequence)")
def _(tf, run):
    x = tf.placeholder(tf.float32, [None, None, D])
    s = tf.placeholder(tf.int32, [None])
    outs, _ = tf.nn.bidirectional_dynamic_rnn(tf.nn.rnn_cell.GRUCell(U), tf.nn.rnn_cell.GRUCell(U),
                                              x, sequence_length=s, dtype=tf.float32)
    return run(outs, {x: np.zeros((B, T, D), np.float32), s: [7, 2, 0]})


@error_case("static_rnn_seqlen_exceeds_num_steps_run",
            "static_rnn over 5 steps, sequence_length [7, 2, 0]: no error expected")
def _(tf, run):
    x = tf.placeholder(tf.float32, [None, T, D])
    s = tf.placeholder(tf.int32, [None])
    outs, st = tf.nn.static_rnn(tf.nn.rnn_cell.GRUCell(U), tf.unstack(x, axis=1),
                                sequence_length=s, dtype=tf.float32)
    o, _ = run([outs, st], {x: np.zeros((B, T, D), np.float32), s: [7, 2, 0]})
    return {"n_outputs": len(o), "output_shape": list(np.asarray(o[0]).shape)}


@error_case("dynamic_rnn_state_shape_mismatch_build",
            "GRUCell(6) with an initial_state placeholder of static shape [None, 5]")
def _(tf, run):
    x = tf.placeholder(tf.float32, [None, None, D])
    h = tf.placeholder(tf.float32, [None, 5])
    return tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(U), x, initial_state=h)


@error_case("dynamic_rnn_state_shape_mismatch_run",
            "GRUCell(6) with an initial_state placeholder [None, None] fed a (3, 5) array")
def _(tf, run):
    x = tf.placeholder(tf.float32, [None, None, D])
    h = tf.placeholder(tf.float32, [None, None])
    out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(U), x, initial_state=h)
    return run(out, {x: np.zeros((B, T, D), np.float32), h: np.zeros((B, 5), np.float32)})


@error_case("dynamic_rnn_lstm_state_not_a_tuple",
            "LSTMCell(6) given a single [None, 12] tensor as initial_state (TF 2.21's tf_keras "
            "layer wrapper rewords the TF 1.x TypeError 'Tensor objects are only iterable when "
            "eager execution is enabled...' that LSTMCell's `c, h = state` raises)")
def _(tf, run):
    x = tf.placeholder(tf.float32, [None, None, D])
    h = tf.placeholder(tf.float32, [None, 2 * U])
    return tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(U), x, initial_state=h)


@error_case("dynamic_rnn_state_batch_mismatch_run",
            "GRUCell(6), initial state fed with batch 2 while inputs have batch 3")
def _(tf, run):
    x = tf.placeholder(tf.float32, [None, None, D])
    h = tf.placeholder(tf.float32, [None, U])
    out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(U), x, initial_state=h)
    return run(out, {x: np.zeros((B, T, D), np.float32), h: np.zeros((2, U), np.float32)})


def _bad_output_cell_class(tf):
    class BadOutputCell(tf.nn.rnn_cell.RNNCell):
        """Declares output_size 6 but returns a [B, 7] output."""

        @property
        def state_size(self):
            return U

        @property
        def output_size(self):
            return U

        def call(self, inputs, state):
            w = tf.get_variable("w", [int(inputs.get_shape()[-1]) + U, U + 1])
            out = tf.matmul(tf.concat([inputs, state], 1), w)
            return out, out[:, :U]
    return BadOutputCell


@error_case("dynamic_rnn_custom_cell_output_size_mismatch",
            "custom cell with output_size 6 returning a [B, 7] output")
def _(tf, run):
    x = tf.placeholder(tf.float32, [None, None, D])
    out, _ = tf.nn.dynamic_rnn(_bad_output_cell_class(tf)(), x, dtype=tf.float32)
    return run(out, {x: np.zeros((B, T, D), np.float32)})


@error_case("dynamic_rnn_custom_cell_output_size_mismatch_seqlen",
            "same custom cell, with sequence_length (zero output of size 6 vs output of size 7)")
def _(tf, run):
    x = tf.placeholder(tf.float32, [None, None, D])
    out, _ = tf.nn.dynamic_rnn(_bad_output_cell_class(tf)(), x, sequence_length=[5, 2, 0],
                               dtype=tf.float32)
    return run(out, {x: np.zeros((B, T, D), np.float32)})


@error_case("static_rnn_inputs_not_a_list", "static_rnn given a [None, 5, 4] tensor instead of a list")
def _(tf, run):
    x = tf.placeholder(tf.float32, [None, T, D])
    return tf.nn.static_rnn(tf.nn.rnn_cell.GRUCell(U), x, dtype=tf.float32)


@error_case("raw_rnn_loop_fn_not_callable", "raw_rnn(cell, loop_fn=3)")
def _(tf, run):
    return tf.nn.raw_rnn(tf.nn.rnn_cell.GRUCell(U), 3)


@error_case("cond_python_bool_pred", "tf.cond(True, ...) with a Python bool predicate")
def _(tf, run):
    return run(tf.cond(True, lambda: tf.constant(1), lambda: tf.constant(2)))


@error_case("cond_branch_structure_mismatch", "tf.cond branches returning 1 vs 2 tensors")
def _(tf, run):
    p = tf.placeholder(tf.bool, [])
    return tf.cond(p, lambda: tf.constant(1.0), lambda: (tf.constant(1.0), tf.constant(2.0)))


@error_case("cond_branch_dtype_mismatch", "tf.cond branches returning float32 vs int32")
def _(tf, run):
    p = tf.placeholder(tf.bool, [])
    return tf.cond(p, lambda: tf.constant(1.0), lambda: tf.constant(1))


@error_case("while_loop_shape_changes_without_invariant", "loop var grows by concat, no shape_invariants")
def _(tf, run):
    return tf.while_loop(lambda i, x: i < 3, lambda i, x: (i + 1, tf.concat([x, x], 0)),
                         (tf.constant(0), tf.zeros([1])))


@error_case("while_loop_body_structure_mismatch", "body returns 1 value for 2 loop vars")
def _(tf, run):
    return tf.while_loop(lambda i, x: i < 3, lambda i, x: i + 1, (tf.constant(0), tf.constant(1.0)))


@error_case("while_loop_body_dtype_mismatch", "int32 loop var, body returns float32")
def _(tf, run):
    return run(tf.while_loop(lambda i: i < 3, lambda i: tf.cast(i, tf.float32) + 1.0, [tf.constant(0)]))


@error_case("while_loop_cond_not_bool", "cond returns an int32 tensor")
def _(tf, run):
    return run(tf.while_loop(lambda i: i, lambda i: i - 1, [tf.constant(3)]))


# bidirectional_dynamic_rnn reverses the *inputs* with nest.map_structure but
# the bw *outputs* with a single reverse / reverse_sequence call on the whole
# output structure, which packs a tuple into one tensor: nested outputs are
# broken in TF1 (error or a silently wrong single tensor).

@error_case("bidirectional_dynamic_rnn_nested_outputs_seqlen",
            "bw cell with tuple output (sizes 2, 2), sequence_length given")
def _(tf, run):
    x1 = tf.placeholder(tf.float32, [None, None, D])
    x2 = tf.placeholder(tf.float32, [None, None, 2])
    cls = nested_cell_class(tf)
    outs, _ = tf.nn.bidirectional_dynamic_rnn(cls(U, 3), cls(2, 2), (x1, x2),
                                              sequence_length=[5, 2, 0], dtype=tf.float32)
    return run(outs, {x1: np.zeros((B, T, D), np.float32), x2: np.zeros((B, T, 2), np.float32)})


@error_case("bidirectional_dynamic_rnn_nested_outputs_unequal_sizes",
            "bw cell with tuple output (sizes 6, 3), no sequence_length")
def _(tf, run):
    x1 = tf.placeholder(tf.float32, [None, None, D])
    x2 = tf.placeholder(tf.float32, [None, None, 2])
    cls = nested_cell_class(tf)
    return tf.nn.bidirectional_dynamic_rnn(cls(U, 3), cls(U, 3), (x1, x2), dtype=tf.float32)


@error_case("bidirectional_dynamic_rnn_nested_outputs_noseqlen",
            "bw cell with tuple output (sizes 2, 2), no sequence_length: no error, output_bw "
            "is ONE tensor (the pair packed on a new axis 0, then reversed along axis 1)")
def _(tf, run):
    x1 = tf.placeholder(tf.float32, [None, None, D])
    x2 = tf.placeholder(tf.float32, [None, None, 2])
    cls = nested_cell_class(tf)
    (out_fw, out_bw), _ = tf.nn.bidirectional_dynamic_rnn(cls(U, 3), cls(2, 2), (x1, x2),
                                                          dtype=tf.float32)
    value = run(out_bw, {x1: np.zeros((B, T, D), np.float32), x2: np.zeros((B, T, 2), np.float32)})
    return {"output_fw_is_tuple": isinstance(out_fw, tuple),
            "output_bw_is_tuple": isinstance(out_bw, (tuple, list)),
            "output_bw_static_shape": (None if isinstance(out_bw, (tuple, list))
                                       else _static_shape(out_bw)),
            "output_bw_shape": list(np.asarray(value).shape)}
