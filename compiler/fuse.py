"""Stage 4, fuse: chains of elementwise nodes become one FusedElementwise node — one loop
nest computing a scalar expression per output element, with no temporaries.

A node joins the group of its consumer when it is elementwise (unary, binary, Select,
Cast), its only consumer is in that group, and its output has the group's (fully known)
shape; anything else feeding the group is a leaf, read with broadcasting. Integer division
and negative integer powers keep their own nodes (their checks must run first).
"""
from rnngraph.primitives.elementwise import BINARY, UNARY

from .ir import Node

ELEMENTWISE = set(UNARY) | set(BINARY) | {"Select", "Cast"}
_CHECKED_INT_OPS = {"FloorDiv", "FloorMod", "TruncateDiv", "Pow"}


class FusedElementwise(Node):
    """A group of elementwise nodes computed in one loop nest.

    members: the grouped nodes in execution order (the last one is the root);
    inputs: the leaf Values read by the group; outputs: the root's output.
    """

    def __init__(self, members, leaves):
        root = members[-1]
        self.op = root.op
        self.prim = root.prim
        self.type = "FusedElementwise"
        self.attrs = {}
        self.inputs = list(leaves)
        self.outputs = root.outputs
        self.control = [c for m in members for c in m.control]
        self.bodies = {}
        self.id = root.id
        self.members = members


def _fusible(node):
    if node.type not in ELEMENTWISE or node.control:
        return False
    if node.type in _CHECKED_INT_OPS and node.inputs[1].dtype.is_integer:
        return False
    return node.outputs[0].shape.is_fully_defined()


def fuse(fn):
    """Group elementwise chains in `fn` and its bodies (in place); returns fn."""
    for node in fn.nodes:
        for body in node.bodies.values():
            fuse(body)
    consumers = fn.readers()
    group_of = {}
    for node in reversed(fn.nodes):  # consumers before producers
        if not _fusible(node):
            continue
        out = node.outputs[0]
        users = consumers.get(out.id, [])
        root = None
        if len(users) == 1 and users[0] is not None and users[0].id in group_of:
            cand = group_of[users[0].id]
            if cand[-1].outputs[0].shape == out.shape:
                root = cand
        if root is None:
            group_of[node.id] = [node]
        else:
            root.insert(0, node)
            group_of[node.id] = root
    new_nodes, emitted = [], set()
    for node in fn.nodes:
        group = group_of.get(node.id)
        if group is None:
            new_nodes.append(node)
            continue
        if group[-1] is not node:
            continue  # emitted with its root
        if len(group) == 1:
            new_nodes.append(node)
            continue
        members = sorted(group, key=lambda n: fn.nodes.index(n))
        produced = {o.id for m in members for o in m.outputs}
        leaves = []
        for m in members:
            for v in m.inputs:
                if v.id not in produced and all(v is not x for x in leaves):
                    leaves.append(v)
        new_nodes.append(FusedElementwise(members, leaves))
        emitted.update(m.id for m in members)
    fn.nodes = new_nodes
    return fn
