"""tf.nn.rnn_cell: TF1's RNN cells and cell wrappers (see ops/rnn_cell_impl.py and
ops/rnn_cell_wrappers.py)."""
from .ops.rnn_cell_impl import (BasicLSTMCell, BasicRNNCell, GRUCell, LSTMCell,  # noqa: F401
                                LSTMStateTuple, MultiRNNCell, RNNCell)
from .ops.rnn_cell_wrappers import DeviceWrapper, DropoutWrapper, ResidualWrapper  # noqa: F401

__all__ = [
    "BasicLSTMCell", "BasicRNNCell", "DeviceWrapper", "DropoutWrapper", "GRUCell", "LSTMCell",
    "LSTMStateTuple", "MultiRNNCell", "RNNCell", "ResidualWrapper",
]
