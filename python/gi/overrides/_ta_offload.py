# SPDX-License-Identifier: LGPL-2.1-or-later
"""Arguments and results of introspected calls offloaded to a
``Ta.Executor`` (``call_async()`` / ``call_finish()``), as GValues.
"""

import ctypes
import warnings

from gi.repository import GLib, GObject

_PYOBJECT = GObject.TYPE_PYOBJECT

def _offload_value(arg):
    """The GValue that carries @arg as the library expects it.

    PyGObject guesses a GValue's type from the Python value, and cannot
    for None or lists: each argument is given a type here."""
    if isinstance(arg, GObject.Value):
        return arg
    if arg is None:
        return GObject.Value(GObject.TYPE_POINTER, None)
    if isinstance(arg, bool):
        return GObject.Value(GObject.TYPE_BOOLEAN, arg)
    if isinstance(arg, (GObject.GEnum, GObject.GFlags)):
        return GObject.Value(arg.__gtype__, arg)
    if isinstance(arg, int):
        if -2**31 <= arg < 2**31:
            return GObject.Value(GObject.TYPE_INT, arg)
        if -2**63 <= arg < 2**63:
            return GObject.Value(GObject.TYPE_INT64, arg)
        return GObject.Value(GObject.TYPE_UINT64, arg)
    if isinstance(arg, float):
        return GObject.Value(GObject.TYPE_DOUBLE, arg)
    if isinstance(arg, str):
        return GObject.Value(GObject.TYPE_STRING, arg)
    if isinstance(arg, (bytes, bytearray, memoryview)):
        return GObject.Value(GLib.Bytes.__gtype__, GLib.Bytes.new(bytes(arg)))
    if isinstance(arg, (list, tuple)) and all(isinstance(s, str) for s in arg):
        return GObject.Value(GObject.TYPE_STRV, list(arg))
    if isinstance(arg, (list, tuple)):
        # Arrays of numbers, booleans, objects or boxed values, and lists
        # of objects: a GValueArray, each element typed as above.
        # GValueArray is deprecated in C, but the one container a GValue
        # carries that both PyGObject and GJS read.
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', DeprecationWarning)
            array = GObject.ValueArray.new(len(arg))
            for item in arg:
                array.append(_offload_value(item))
        return GObject.Value(GObject.ValueArray.__gtype__, array)
    if isinstance(arg, GLib.Variant):
        return GObject.Value(GObject.TYPE_VARIANT, arg)
    if isinstance(arg, (GObject.Object, GObject.GBoxed)):
        return GObject.Value(arg.__gtype__, arg)
    # Anything else, a callable included, is refused by the library,
    # which names the argument.
    return GObject.Value(_PYOBJECT, arg)


def _offload_result(value):
    """What a direct call gives for a result: arrays of bytes as bytes."""
    if isinstance(value, GLib.ByteArray):
        # PyGObject reads neither a GByteArray held in a GValue nor its
        # data field: the bytes are read where the GValue's copy keeps them.
        holder = GObject.Value(GLib.ByteArray.__gtype__, value)
        data = ctypes.c_void_p.from_address(holder.peek_pointer()).value
        return ctypes.string_at(data, value.len) if value.len else b''
    return value

