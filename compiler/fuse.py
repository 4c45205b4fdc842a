"""Stage 4, fuse: groups of elementwise nodes become one FusedElementwise node — one loop
nest computing every output element from scalar expressions, with no temporaries.

A group is built from its root (the last node in program order) towards its producers.
A node joins the group of its consumers when:
- it is elementwise (unary, binary, Select, Cast), or a Slice with static begin and size
  (read through an index offset: a split LSTM's gates read the gate pre-activations where
  they lie, no views or copies), and no control edge touches it;
- every consumer is in that one group, or it has the group's loop shape and its other
  consumers come after the root: then the group also writes it (an extra output, as an
  LSTM step writes both its new c and its new h in one loop);
- each elementwise consumer in the group has its shape exactly (members are never
  broadcast, so no member is computed more than once per point it is read at).
Consumers in several groups merge those groups when they can run as one loop (same loop
shape, nothing in between that writes state or reads their outputs early). When they
cannot, the earliest group computes the node as an extra output and the later ones read
it: in a static RNN's gradient program each step's forward cell values are also read by
the backward pass, and its whole forward step is still one loop.
A Concat of equal-shaped member outputs can be a group's root (a sink): the members are
written at their offsets in the concatenated array (the backward step of a cell writes its
four gate gradients into the one array the weight gradient multiplies). A sink is only
ever an output: it roots its own group, and groups do not merge when one reads another's
sink (the array is complete only after the loop). An input of a sink made outside its
group (an earlier group's extra output) is read as a leaf and copied in the same loop.

Integer division and negative integer powers keep their own nodes (their checks must run
first). A group of one elementwise node stays that node (lowered as a one-op loop); a group
without an elementwise member (Slices, a Concat) is dissolved: views and copies are cheaper.
A group that is not a loop has one node, which runs where it was; every other group runs
where its root was: so a node that joined an earlier group as an extra output is computed
before the later groups that read it.
"""
from rnngraph.primitives.elementwise import BINARY, UNARY

from .ir import Node

ELEMENTWISE = set(UNARY) | set(BINARY) | {"Select", "Cast"}
_CHECKED_INT_OPS = {"FloorDiv", "FloorMod", "TruncateDiv", "Pow"}


class FusedElementwise(Node):
    """A group of nodes computed in one loop nest over `loop_shape`.

    members: the grouped nodes in execution order (the last one is the root: elementwise,
    or a Concat sink); inputs: the leaf Values read by the group; outputs: the root's output,
    then the members' outputs that nodes outside the group read.
    """

    def __init__(self, members, leaves, outputs, loop_shape):
        root = members[-1]
        self.op = root.op
        self.prim = root.prim
        self.type = "FusedElementwise"
        self.attrs = {}
        self.inputs = list(leaves)
        self.outputs = list(outputs)
        self.control = [c for m in members for c in m.control]
        self.bodies = {}
        self.id = root.id
        self.members = members
        self.loop_shape = loop_shape

    def read_points(self, leaf):
        """The points, as offsets from the loop's, at which the loop reads `leaf` (Slices
        shift them; a Concat sink's inputs are computed at the loop's point)."""
        producer = {m.outputs[0].id: m for m in self.members}
        r = (self.loop_shape or self.outputs[0].shape).ndims
        points, seen = set(), set()
        todo = [(out, (0,) * r) for out in self.outputs]
        while todo:
            v, point = todo.pop()
            if (v.id, point) in seen:
                continue
            seen.add((v.id, point))
            member = producer.get(v.id)
            if member is None:
                if v.id == leaf.id:
                    points.add(point)
            elif member.type == "Concat":
                todo += [(u, point) for u in member.inputs]
            elif member.type == "Slice":
                begin = [int(b) for b in member.inputs[1].const]
                todo.append((member.inputs[0], tuple(p + b for p, b in zip(point, begin))))
            else:
                todo += [(u, point) for u in member.inputs]
        return points


def is_elementwise(node):
    """An elementwise node a group can compute per element (fully known output shape)."""
    if node.type not in ELEMENTWISE or node.control:
        return False
    if node.type in _CHECKED_INT_OPS and node.inputs[1].dtype.is_integer:
        return False
    return node.outputs[0].shape.is_fully_defined()


def is_static_slice(node):
    """A Slice whose begin, size and input shape are known: an index offset."""
    return (node.type == "Slice" and not node.control
            and node.inputs[0].shape.is_fully_defined()
            and node.inputs[1].const is not None and node.inputs[2].const is not None)


def _sink_shape(node):
    """The loop shape of a Concat that can root a group (its inputs all have one shape, made
    by elementwise nodes), else None."""
    if node.type != "Concat" or node.control or not node.outputs[0].shape.is_fully_defined():
        return None
    shapes = {tuple(v.shape.as_list()) for v in node.inputs}
    if len(shapes) != 1 or any(v.node is None or not is_elementwise(v.node) for v in node.inputs):
        return None
    return node.inputs[0].shape


class _Group:
    def __init__(self, root, loop_shape, position):
        self.members = [root]
        self.loop_shape = loop_shape
        self.position = position    # the last root's index in the function: it is emitted there
        self.start = position       # the first member's index
        self.outputs = [root.outputs[0]]  # roots first, then member outputs read outside


class _Program:
    """What grouping asks of the function: readers, positions, and the nodes a group must
    not span (a group runs at its last root, so its members' reads move there; a variable
    write or a control-flow op in between would change what they read)."""

    def __init__(self, fn):
        self.readers = fn.readers()
        self.position = {node.id: i for i, node in enumerate(fn.nodes)}
        self.ordered = {c.id for node in fn.nodes for c in node.control}
        self.writes_before = [0]
        for node in fn.nodes:
            writes = node.prim.stateful and bool(node.prim.ref_inputs)
            self.writes_before.append(self.writes_before[-1] + writes)

    def clean(self, a, b):
        """Whether no node between positions a and b writes state."""
        return self.writes_before[b] == self.writes_before[a + 1]


def fuse(fn):
    """Group elementwise work in `fn` and its bodies (in place); returns fn."""
    for node in fn.nodes:
        for body in node.bodies.values():
            fuse(body)
    prog = _Program(fn)
    group_of = {}
    for node in reversed(fn.nodes):  # consumers before producers
        if node.id in prog.ordered:
            continue
        elementwise = is_elementwise(node)
        if not (elementwise or is_static_slice(node) or _sink_shape(node) is not None):
            continue
        sink = node.type == "Concat"  # written by its group, never read inside one
        group = None if sink else _group_to_join(node, elementwise, prog, group_of)
        if group is None:
            loop_shape = node.outputs[0].shape if elementwise else _sink_shape(node)
            if loop_shape is None:
                continue  # a Slice no group reads stays a view
            group = _Group(node, loop_shape, prog.position[node.id])
        else:
            group.members.append(node)
            group.start = prog.position[node.id]
        group_of[node.id] = group
    groups = {id(g): g for g in group_of.values() if _worth_a_loop(g)}
    new_nodes = []
    for node in fn.nodes:
        group = group_of.get(node.id)
        if group is None or id(group) not in groups:
            new_nodes.append(node)
        elif prog.position[node.id] == group.position:  # the last root: emitted here
            new_nodes.append(_fused_node(group, prog.position))
    fn.nodes = new_nodes
    return fn


def _group_to_join(node, elementwise, prog, group_of):
    """The group `node` joins (see the module docstring), merging the groups of its
    consumers when they are several and can run as one loop; when they cannot, the earliest
    of them computes it and the later ones read it as a leaf. Or None."""
    out = node.outputs[0]
    users = prog.readers.get(out.id, [])
    inside = [u for u in users if u is not None and u.id in group_of]
    if not inside:
        return None
    groups = []
    for u in inside:
        if all(group_of[u.id] is not g for g in groups):
            groups.append(group_of[u.id])
    if len(groups) == 1 or _mergeable(groups, prog, group_of):
        target, joined = max(groups, key=lambda g: g.position), groups
    else:
        target = min(groups, key=lambda g: g.position)
        joined = [target]
    if not prog.clean(prog.position[node.id], min(g.start for g in joined)):
        return None
    members = {m.id for g in joined for m in g.members}
    for u in inside:  # a Slice reads any shape; a sink and elementwise work read their own
        need = target.loop_shape if u.type == "Concat" else None if u.type == "Slice" else \
            u.outputs[0].shape
        if u.id in members and need is not None and out.shape != need:
            return None
    later = [u for u in users if u is None or u.id not in members]
    if later and (not elementwise or out.shape != target.loop_shape or any(
            u is not None and _runs_at(u, prog, group_of) < target.position for u in later)):
        return None
    for g in joined:
        if g is not target:
            _merge(g, target, group_of)
    if later:
        target.outputs.append(out)
    return target


def _runs_at(node, prog, group_of):
    """The position where `node` runs: its group's (a group runs at its last root), or its
    own."""
    group = group_of.get(node.id)
    return prog.position[node.id] if group is None else group.position


def _mergeable(groups, prog, group_of):
    """Whether groups that read one value can run as one loop at the last one's position:
    same loop shape, no state written in between, and nothing outside them reading their
    outputs before that position."""
    last = max(groups, key=lambda g: g.position)
    if any(g.loop_shape != last.loop_shape for g in groups):
        return False
    if not prog.clean(min(g.start for g in groups), last.position):
        return False
    members = {m.id for g in groups for m in g.members}
    for g in groups:
        for m in g.members:
            if m.type == "Concat" and any(u is not None and u.id in members
                                          for u in prog.readers.get(m.outputs[0].id, [])):
                return False  # a sink's array is complete only after the loop
    for g in groups:
        for v in g.outputs:
            for u in prog.readers.get(v.id, []):
                if u is not None and all(group_of.get(u.id) is not h for h in groups) \
                        and prog.position[u.id] < last.position:
                    return False
    return True


def _merge(group, into, group_of):
    into.members.extend(group.members)
    into.outputs.extend(group.outputs)
    into.start = min(into.start, group.start)
    for m in group.members:
        group_of[m.id] = into


def _worth_a_loop(group):
    """Whether a group becomes a fused loop: it has an elementwise member and more than one
    member."""
    return len(group.members) >= 2 and any(is_elementwise(m) for m in group.members)


def _fused_node(group, position):
    members = sorted(group.members, key=lambda n: position[n.id])
    produced = {m.outputs[0].id for m in members}
    leaves = []
    for m in members:
        for k, v in enumerate(m.inputs):
            if m.type == "Slice" and k > 0:
                continue  # begin and size are constants of the index offset
            if v.id not in produced and all(v is not x for x in leaves):
                leaves.append(v)
    return FusedElementwise(members, leaves, group.outputs, group.loop_shape)
