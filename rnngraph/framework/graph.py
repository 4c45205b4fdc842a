"""Graph, Operation and Tensor: the define-then-run data structure (TF1's ops.py).

A Graph is an append-only list of Operations. Each Operation is one primitive applied to
input Tensors with static attributes; its outputs are Tensors with a dtype and a static
(possibly partial) shape inferred when the op is created. Names follow TF1 exactly: name
scopes, unique suffixes (`add`, `add_1`), tensor names `op:index`.

The default-graph stack is per thread over one process-wide default graph, as in TF1.
"""
import contextlib
import os
import re
import sys
import threading

from . import tensor_shape
from .primitive import KnownValues, ShapeError, TensorSpec, lookup

_VALID_OP_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$")
_VALID_SCOPE_NAME = re.compile(r"^[A-Za-z0-9_.\\/>-]*$")
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Tensor:
    """A symbolic value: output `value_index` of operation `op`."""

    __slots__ = ("op", "value_index", "dtype", "_shape", "_consumers", "__weakref__")

    # Make NumPy defer to our operators (np.float32(2) * tensor -> Tensor.__rmul__).
    __array_priority__ = 100

    def __init__(self, op, value_index, dtype, shape):
        self.op = op
        self.value_index = value_index
        self.dtype = dtype
        self._shape = shape
        self._consumers = []

    @property
    def name(self):
        return "%s:%d" % (self.op.name, self.value_index)

    @property
    def graph(self):
        return self.op.graph

    @property
    def device(self):
        return ""

    @property
    def shape(self):
        return self._shape

    def get_shape(self):
        return self._shape

    def set_shape(self, shape):
        """Refine the static shape; raises ValueError if incompatible (TF1)."""
        shape = tensor_shape.as_shape(shape)
        if not self._shape.is_compatible_with(shape):
            raise ValueError("Tensor %s has shape %s, which is incompatible with the shape %s "
                             "given to set_shape" % (self.name, self._shape, shape))
        self._shape = self._shape.merge_with(shape)
        from .constant_folding import invalidate
        invalidate(self.graph)

    @property
    def spec(self):
        return TensorSpec(self.dtype, self._shape)

    def consumers(self):
        return list(self._consumers)

    def eval(self, feed_dict=None, session=None):
        from .session_context import session_for
        return session_for(self.graph, session, "eval a tensor").run(self, feed_dict)

    def __repr__(self):
        return "<tf.Tensor '%s' shape=%s dtype=%s>" % (self.name, self._shape, self.dtype.name)

    __str__ = __repr__

    __hash__ = object.__hash__  # identity, as __eq__ (C-level: tensors key many dicts)

    def __eq__(self, other):
        # TF1 graph tensors compare by identity (use tf.equal for elementwise equality).
        return self is other

    def __ne__(self, other):
        return self is not other

    def __bool__(self):
        raise TypeError("Using a `tf.Tensor` as a Python `bool` is not allowed. Use `if t is not "
                        "None:` instead of `if t:` to test if a tensor is defined, and use "
                        "TensorFlow ops such as tf.cond to execute subgraphs conditioned on the "
                        "value of a tensor.")

    def __iter__(self):
        dims = self._shape.dims
        if dims is None or not dims or dims[0] is None:
            raise TypeError("Tensor objects are only iterable when the first dimension is known "
                            "(tensor %s has shape %s); use tf.unstack with num=." % (self.name, self._shape))
        return iter([self[i] for i in range(dims[0])])

    def __len__(self):
        raise TypeError("len is not well defined for symbolic Tensors (%s). Please call "
                        "`x.shape` rather than `len(x)` for shape information." % self.name)

    def __array__(self, dtype=None, copy=None):
        raise NotImplementedError(
            "Cannot convert a symbolic Tensor (%s) to a numpy array. Run it in a Session "
            "(sess.run(t)) to get its value." % self.name)


class Operation:
    """One node: a primitive applied to inputs, with attributes and named outputs."""

    __slots__ = ("graph", "type", "name", "inputs", "outputs", "attrs", "control_inputs",
                 "_id", "primitive", "defined_at", "_control_outputs", "__weakref__")

    def __init__(self, graph, op_type, name, inputs, attrs, output_specs, control_inputs,
                 primitive, defined_at):
        self.graph = graph
        self.type = op_type
        self.name = name
        self.inputs = tuple(inputs)
        self.attrs = attrs
        self.control_inputs = list(control_inputs)
        self._control_outputs = []
        self._id = len(graph._ops)
        self.primitive = primitive
        self.defined_at = defined_at
        self.outputs = tuple(Tensor(self, i, s.dtype, s.shape) for i, s in enumerate(output_specs))

    @property
    def node_def(self):
        return self

    @property
    def device(self):
        return ""

    def get_attr(self, name):
        try:
            return self.attrs[name]
        except KeyError:
            raise ValueError("Operation %r has no attr named %r." % (self.name, name)) from None

    def values(self):
        return self.outputs

    def run(self, feed_dict=None, session=None):
        from .session_context import session_for
        session_for(self.graph, session, "run an operation").run(self, feed_dict)

    def _add_output(self, spec):
        """Append an output (the gradient code asks a While or Cond to also return values its
        body computes). Existing outputs and their consumers are unchanged."""
        t = Tensor(self, len(self.outputs), spec.dtype, spec.shape)
        self.outputs = self.outputs + (t,)
        self.graph._version += 1
        return t

    def __repr__(self):
        return "<tf.Operation '%s' type=%s>" % (self.name, self.type)

    def __str__(self):
        lines = ['name: "%s"' % self.name, 'op: "%s"' % self.type]
        lines += ['input: "%s"' % t.name for t in self.inputs]
        lines += ['input: "^%s"' % o.name for o in self.control_inputs]
        lines += ["attr { %s: %r }" % (k, v) for k, v in sorted(self.attrs.items())]
        return "\n".join(lines)

    __hash__ = object.__hash__  # identity, as __eq__ (C-level: ops key many dicts)

    def __eq__(self, other):
        return self is other


def _user_frame():
    """`file:line` of the innermost caller outside rnngraph, for error messages."""
    f = sys._getframe(2)
    while f is not None:
        path = f.f_code.co_filename
        if not path.startswith(_PACKAGE_DIR):
            return "%s:%d" % (os.path.basename(path), f.f_lineno)
        f = f.f_back
    return "?"


class GraphKeys:
    """Standard collection names (tf.GraphKeys)."""
    GLOBAL_VARIABLES = "variables"
    LOCAL_VARIABLES = "local_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    MODEL_VARIABLES = "model_variables"
    MOVING_AVERAGE_VARIABLES = "moving_average_variables"
    REGULARIZATION_LOSSES = "regularization_losses"
    LOSSES = "losses"
    UPDATE_OPS = "update_ops"
    SUMMARIES = "summaries"
    GLOBAL_STEP = "global_step"
    TRAIN_OP = "train_op"
    INIT_OP = "init_op"
    SAVERS = "savers"
    VARIABLES = GLOBAL_VARIABLES
    WEIGHTS = "weights"
    BIASES = "biases"
    ACTIVATIONS = "activations"


class Graph:
    """A TF1 graph: ops, name scopes, control dependencies, collections and a seed."""

    def __init__(self):
        self._ops = []
        self._ops_by_name = {}
        self._names_in_use = {}
        self._name_stack = ""
        self._control_dependencies_stack = []
        self._collections = {}
        self._finalized = False
        self._lock = threading.RLock()
        self.seed = None
        self._attached = {}  # per-graph singletons of other modules (variable store, ...)
        self._version = 0

    # --- default graph -----------------------------------------------------------------
    def as_default(self):
        return _default_graph_stack.get_controller(self)

    # --- ops ---------------------------------------------------------------------------
    def create_op(self, op_type, inputs, attrs=None, name=None, control_inputs=()):
        """Create an op of primitive `op_type`; infers its outputs' dtypes and shapes.

        `name` is made unique within the current name scope; a name ending in '/' (as
        returned by `name_scope`) is used as is. `control_inputs` are added to those of the
        enclosing control_dependencies blocks.
        """
        from .constant_folding import constant_value, constant_value_as_shape
        primitive = lookup(op_type)
        attrs = dict(attrs or {})
        inputs = list(inputs)
        for i, t in enumerate(inputs):
            if not isinstance(t, Tensor):
                raise TypeError("Input to op %s must be a Tensor, got %r" % (op_type, t))
            if t.graph is not self:
                inputs[i] = self._resolve_input(t, name or op_type)
        with self._lock:
            self._check_not_finalized()
            full_name = self._op_name(name or op_type)
            try:
                known = KnownValues(lambda i: constant_value(inputs[i]),
                                    lambda i: constant_value_as_shape(inputs[i]))
                specs = primitive.infer([t.spec for t in inputs], attrs, known)
            except ShapeError as e:
                raise ValueError("%s for '%s' (op: '%s') with input shapes: %s." % (
                    str(e).rstrip("."), full_name, op_type,
                    ", ".join(t.shape.short() for t in inputs))) from None
            control_inputs = self._current_control_inputs(inputs) + [
                c for c in control_inputs if c not in self._current_control_inputs(inputs)]
            op = Operation(self, op_type, full_name, inputs, attrs, specs, control_inputs,
                           primitive, _user_frame())
            self._ops.append(op)
            self._ops_by_name[full_name] = op
            for t in inputs:
                t._consumers.append(op)
            for c in control_inputs:
                c._control_outputs.append(op)
            self._version += 1
        return op

    def _resolve_input(self, tensor, op_name):
        """A tensor of another graph used as an input here: an error in a plain graph
        (FuncGraph captures tensors of enclosing graphs instead)."""
        raise ValueError("Tensor %s must be from the same graph as the op %s being created."
                         % (tensor.name, op_name))

    @property
    def outermost_graph(self):
        """The graph variables are created in: this one, or for a function body the graph
        enclosing every body."""
        return self

    def _op_name(self, name):
        if name.endswith("/"):
            name = name[:-1]
            full = self.unique_name(name) if name in self._ops_by_name else name
        else:
            full = self.unique_name(name)
        if not _VALID_OP_NAME.match(full):
            raise ValueError("'%s' is not a valid node name" % full)
        return full

    def unique_name(self, name, mark_as_used=True):
        """TF1's unique naming: prefix the name scope, then add `_1`, `_2`... on reuse."""
        if self._name_stack:
            name = self._name_stack + "/" + name
        key = name.lower()
        i = self._names_in_use.get(key, 0)
        if mark_as_used:
            self._names_in_use[key] = i + 1
        if i > 0:
            base = key
            while key in self._names_in_use:
                key = "%s_%d" % (base, i)
                i += 1
            if mark_as_used:
                self._names_in_use[key] = 1
            name = "%s_%d" % (name, i - 1)
        return name

    def get_operations(self):
        return list(self._ops)

    def get_operation_by_name(self, name):
        return self.as_graph_element(name, allow_tensor=False, allow_operation=True)

    def get_tensor_by_name(self, name):
        return self.as_graph_element(name, allow_tensor=True, allow_operation=False)

    def as_graph_element(self, obj, allow_tensor=True, allow_operation=True):
        """Resolve a Tensor, Operation, or name ('op' or 'op:0') to an element of this graph."""
        if hasattr(obj, "_as_graph_element"):
            obj = obj._as_graph_element()
        if isinstance(obj, str):
            if ":" in obj:
                if not allow_tensor:
                    raise ValueError("Name %r appears to refer to a Tensor, not an Operation." % obj)
                op_name, idx = obj.rsplit(":", 1)
                op = self._ops_by_name.get(op_name)
                if op is None:
                    raise KeyError("The name %r refers to a Tensor which does not exist. The "
                                   "operation, %r, does not exist in the graph." % (obj, op_name))
                try:
                    return op.outputs[int(idx)]
                except (ValueError, IndexError):
                    raise KeyError("The name %r refers to a Tensor which does not exist. The "
                                   "operation, %r, exists but only has %d outputs."
                                   % (obj, op_name, len(op.outputs))) from None
            op = self._ops_by_name.get(obj)
            if op is None:
                raise KeyError("The name %r refers to an Operation not in the graph." % obj)
            if not allow_operation:
                raise ValueError("The name %r looks like an (invalid) Operation name, not a "
                                 "Tensor. Tensor names must be of the form \"<op_name>:<output_index>\"."
                                 % obj)
            return op
        if isinstance(obj, Tensor) and allow_tensor:
            if obj.graph is not self:
                raise ValueError("Tensor %s is not an element of this graph." % obj.name)
            return obj
        if isinstance(obj, Operation) and allow_operation:
            if obj.graph is not self:
                raise ValueError("Operation %s is not an element of this graph." % obj.name)
            return obj
        kinds = " or ".join(k for k, a in (("Tensor", allow_tensor), ("Operation", allow_operation)) if a)
        raise TypeError("Can not convert a %s into a %s." % (type(obj).__name__, kinds))

    @property
    def version(self):
        return self._version

    @property
    def _last_id(self):
        return len(self._ops)

    def finalize(self):
        self._finalized = True

    @property
    def finalized(self):
        return self._finalized

    def _check_not_finalized(self):
        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified.")

    def _attached_object(self, key, factory):
        """A per-graph singleton owned by another module (e.g. the variable store)."""
        obj = self._attached.get(key)
        if obj is None:
            obj = self._attached[key] = factory()
        return obj

    # --- name scopes -------------------------------------------------------------------
    def get_name_scope(self):
        return self._name_stack

    @contextlib.contextmanager
    def name_scope(self, name):
        """Open a name scope; yields the scope string ending in '/' (or '' at the root).

        A name ending in '/' re-enters that exact scope; None or '' resets to the root.
        """
        if name and self._name_stack and not _VALID_SCOPE_NAME.match(name):
            raise ValueError("'%s' is not a valid scope name" % name)
        old = self._name_stack
        if not name:
            new, returned = "", ""
        elif name.endswith("/"):
            new, returned = name[:-1], name
        else:
            new = self.unique_name(name)
            returned = new + "/"
        self._name_stack = new
        try:
            yield returned
        finally:
            self._name_stack = old

    # --- control dependencies ------------------------------------------------------------
    @contextlib.contextmanager
    def control_dependencies(self, control_inputs):
        """Ops created inside run after `control_inputs` (None clears outer ones)."""
        if control_inputs is None:
            saved = self._control_dependencies_stack
            self._control_dependencies_stack = []
            try:
                yield
            finally:
                self._control_dependencies_stack = saved
            return
        ops = []
        for c in control_inputs:
            if hasattr(c, "_as_control_op"):
                c = c._as_control_op()
            if isinstance(c, Tensor):
                c = c.op
            if not isinstance(c, Operation):
                raise TypeError("Can not convert a %s into a Operation (control dependency)."
                                % type(c).__name__)
            if c.graph is not self:
                self._external_control_input(c)
                continue
            ops.append(c)
        self._control_dependencies_stack.append(ops)
        try:
            yield
        finally:
            self._control_dependencies_stack.pop()

    def _external_control_input(self, op):
        raise ValueError("Control input %s is not from this graph." % op.name)

    def _current_control_inputs(self, inputs):
        input_ops = {t.op for t in inputs}
        seen, out = set(), []
        for frame in self._control_dependencies_stack:
            for op in frame:
                if op not in input_ops and op not in seen:
                    seen.add(op)
                    out.append(op)
        return out

    # --- collections ---------------------------------------------------------------------
    def add_to_collection(self, name, value):
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value):
        names = (names,) if isinstance(names, str) else set(names)
        for n in names:
            self.add_to_collection(n, value)

    def get_collection_ref(self, name):
        return self._collections.setdefault(name, [])

    def get_collection(self, name, scope=None):
        items = self._collections.get(name, [])
        if scope is None:
            return list(items)
        regex = re.compile(scope)
        return [x for x in items if hasattr(x, "name") and regex.match(x.name)]

    def get_all_collection_keys(self):
        return [k for k, v in self._collections.items() if v]

    def clear_collection(self, name):
        self._collections.pop(name, None)


class _DefaultGraphStack(threading.local):
    """Per-thread stack of default graphs over one process-wide global default graph."""

    global_default = None

    def __init__(self):
        self.stack = []

    def get_default(self):
        if self.stack:
            return self.stack[-1]
        if _DefaultGraphStack.global_default is None:
            _DefaultGraphStack.global_default = Graph()
        return _DefaultGraphStack.global_default

    @contextlib.contextmanager
    def get_controller(self, graph):
        self.stack.append(graph)
        depth = len(self.stack)
        try:
            yield graph
        finally:
            if len(self.stack) >= depth and self.stack[depth - 1] is graph:
                del self.stack[depth - 1]

    def reset(self):
        if self.stack:
            raise AssertionError("Do not use tf.reset_default_graph() to clear nested graphs. "
                                 "If you need a cleared graph, exit the nesting and create a new graph.")
        _DefaultGraphStack.global_default = Graph()


_default_graph_stack = _DefaultGraphStack()


def get_default_graph():
    return _default_graph_stack.get_default()


def reset_default_graph():
    _default_graph_stack.reset()


def graph_of(values, default=None):
    """The graph ops on `values` belong in: the default graph when every value lives in it
    or in a graph enclosing it (a loop body uses outer tensors by capturing them), else the
    graph of the first value from an unrelated graph, else `default` or the default graph."""
    current = get_default_graph()
    for v in values or ():
        g = getattr(v, "graph", None)
        if isinstance(g, Graph) and not _encloses(g, current):
            return g
    return default if default is not None else current


def _encloses(outer, graph):
    """Whether ops of `graph` may use tensors of `outer`: an enclosing graph, or the forward
    body a gradient body reads from (autodiff's BackwardGraph resolves those itself)."""
    while graph is not None:
        if graph is outer or getattr(graph, "forward_body", None) is outer:
            return True
        graph = getattr(graph, "outer_graph", None)
    return False


class name_scope:  # noqa: N801 (TF1 API name)
    """`tf.name_scope(name, default_name=None, values=None)` as a context manager.

    Yields the full scope string ending in '/'. With name=None and no default_name the
    scope resets to the root, as in TF1.
    """

    def __init__(self, name, default_name=None, values=None):
        self._name = default_name if name is None else name
        self._reset = name is None and default_name is None
        self._values = values
        self._cm = None

    def __enter__(self):
        g = graph_of(self._values)
        self._g_cm = g.as_default()
        self._g_cm.__enter__()
        self._cm = g.name_scope(None if self._reset else self._name)
        return self._cm.__enter__()

    def __exit__(self, *exc):
        self._cm.__exit__(*exc)
        self._g_cm.__exit__(*exc)
        return False


def control_dependencies(control_inputs):
    return get_default_graph().control_dependencies(control_inputs)


def add_to_collection(name, value):
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value):
    get_default_graph().add_to_collections(names, value)


def get_collection(key, scope=None):
    return get_default_graph().get_collection(key, scope)


def get_collection_ref(key):
    return get_default_graph().get_collection_ref(key)
