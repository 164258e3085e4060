"""Plain data between a learner's kernel and the judge: values in, values out, never code.

A check never touches a learner's object in the judge. Everything that crosses from the kernel is
first :func:`encode`-d into numbers, strings, lists and tensors, written with :func:`dumps`, and read
back with :func:`loads`, which uses ``torch.load(..., weights_only=True)``: reading it cannot run
code, whatever the bytes hold. Objects that are not plain data (a function, a module, a dataset)
stay in the kernel and cross as a :class:`Handle`; anything else unknown crosses as an
:class:`Opaque` description that keeps its type's name, so that feedback can still say "it is a
DataFrame".

"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

#: The largest payload :func:`loads` reads, in bytes.
MAX_BYTES = 64 * 1024 * 1024
_MAX_DEPTH, _MAX_ITEMS, _MAX_TEXT = 32, 100_000, 100_000
_TAG = "~"
_NUMPY_SCALARS = {
    np.dtype(name).name: np.dtype(name).type
    for name in ("bool", "int8", "int16", "int32", "int64", "uint8", "float16", "float32", "float64")
}


class WireError(ValueError):
    """Bytes or data that are not the plain data of this format."""


@dataclass(frozen=True)
class Handle:
    """An object that stayed in the kernel: its number there, its type's name, whether it is callable."""

    id: int
    type_name: str
    callable: bool

    def __repr__(self) -> str:
        return f"<{self.type_name}>"


class Opaque:
    """Stands in for a value that is not plain data; its class is named after the original type."""

    description = ""

    def __repr__(self) -> str:
        return self.description


_opaque_types: dict[str, type[Opaque]] = {}


def _opaque(type_name: str, description: str) -> Opaque:
    name = re.sub(r"\W", "_", type_name)[:60] or "object"
    cls = _opaque_types.setdefault(name, type(name, (Opaque,), {"__module__": __name__}))
    value = cls()
    value.description = description[:300]
    return value


def encode(value: Any, keep: Any = None, _depth: int = 0) -> Any:
    """``value`` as plain data; ``keep(obj) -> int`` keeps an object in the kernel and returns its handle.

    Without ``keep``, objects that are not plain data become :class:`Opaque` descriptions.
    """
    if _depth > _MAX_DEPTH:
        raise WireError("the value is nested too deeply")
    if isinstance(value, np.generic):
        if value.dtype.name in _NUMPY_SCALARS:
            return {_TAG: "npscalar", "dtype": value.dtype.name, "v": value.item()}
        return {_TAG: "opaque", "type": type(value).__name__, "text": _short_repr(value)}
    if value is None or isinstance(value, (bool, int, str)):
        if isinstance(value, str) and len(value) > _MAX_TEXT:
            return {_TAG: "opaque", "type": "str", "text": f"a string of {len(value)} characters"}
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**62:
            return {_TAG: "bigint", "text": str(value)[:_MAX_TEXT]}
        return value
    if isinstance(value, float):
        return float(value)
    if value is ...:
        return {_TAG: "ellipsis"}
    if isinstance(value, Handle):
        return {_TAG: "handle", "id": value.id, "type": value.type_name, "callable": value.callable}
    if isinstance(value, torch.Size):
        return {_TAG: "size", "v": [int(size) for size in value]}
    if isinstance(value, torch.Tensor):
        return _encode_tensor(value)
    if isinstance(value, np.ndarray) and value.dtype.name in _NUMPY_SCALARS:
        return {_TAG: "ndarray", "v": torch.from_numpy(np.ascontiguousarray(value).copy())}
    if isinstance(value, np.ndarray) and value.size <= _MAX_ITEMS:  # strings, objects: item by item
        items = [encode(item, keep, _depth + 1) for item in value.ravel()]
        return {_TAG: "ndarray_items", "v": items, "shape": list(value.shape)}
    if isinstance(value, torch.dtype):
        return {_TAG: "dtype", "v": str(value)}
    if isinstance(value, (list, tuple, dict)):
        if len(value) > _MAX_ITEMS:
            raise WireError(f"the value holds more than {_MAX_ITEMS} items")
        if isinstance(value, dict):
            pairs = [[encode(k, keep, _depth + 1), encode(v, keep, _depth + 1)] for k, v in value.items()]
            return {_TAG: "dict", "v": pairs}
        items = [encode(item, keep, _depth + 1) for item in value]
        return items if type(value) is list else {_TAG: "tuple", "v": items}
    if type(value).__module__.startswith("pandas") and hasattr(value, "to_numpy"):  # a Series, a column
        try:
            return encode(value.to_numpy(), keep, _depth + 1)
        except Exception:  # a pandas object without plain values
            pass
    if keep is not None:
        return {_TAG: "handle", "id": keep(value), "type": type(value).__name__, "callable": callable(value)}
    return {_TAG: "opaque", "type": type(value).__name__, "text": _short_repr(value)}


def _short_repr(value: Any) -> str:
    try:
        return repr(value)[:300]
    except Exception:  # a learner's __repr__ may raise
        return f"<{type(value).__name__}>"


def _encode_tensor(tensor: torch.Tensor) -> dict[str, Any]:
    if tensor.is_meta:
        return {_TAG: "meta", "shape": list(tensor.shape), "dtype": str(tensor.dtype)}
    if tensor.layout != torch.strided:
        tensor = tensor.to_dense()
    device = tensor.device.type
    plain = tensor.detach().cpu().clone().contiguous()
    return {_TAG: "tensor", "v": plain, "device": device, "grad": tensor.requires_grad}


def decode(data: Any, handles: bool = True, _depth: int = 0) -> Any:
    """The value :func:`encode` described (a tensor comes back on the CPU, without gradient history)."""
    if _depth > _MAX_DEPTH:
        raise WireError("the data is nested too deeply")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(item, handles, _depth + 1) for item in data]
    if not isinstance(data, dict) or not isinstance(data.get(_TAG), str):
        raise WireError(f"not plain data: {type(data).__name__}")
    tag, value = data[_TAG], data.get("v")
    if tag == "ellipsis":
        return ...
    if tag == "tuple" and isinstance(value, list):
        return tuple(decode(item, handles, _depth + 1) for item in value)
    if tag == "dict" and isinstance(value, list):
        out = {}
        for pair in value:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise WireError("a dict entry is not a pair")
            key = decode(pair[0], handles, _depth + 1)
            try:
                out[key] = decode(pair[1], handles, _depth + 1)
            except TypeError:  # an unhashable key
                raise WireError("a dict key is not hashable") from None
        return out
    if tag == "size" and isinstance(value, list) and all(isinstance(size, int) for size in value):
        return torch.Size(value)
    if tag == "tensor" and isinstance(value, torch.Tensor):
        return value.requires_grad_(bool(data.get("grad"))) if value.is_floating_point() else value
    if tag == "ndarray" and isinstance(value, torch.Tensor):
        return value.numpy()
    if tag == "ndarray_items" and isinstance(value, list) and isinstance(data.get("shape"), list):
        array = np.empty(len(value), dtype=object)
        array[:] = [decode(item, handles, _depth + 1) for item in value]
        return array.reshape(data["shape"])
    if tag == "npscalar" and data.get("dtype") in _NUMPY_SCALARS and isinstance(value, (bool, int, float)):
        return _NUMPY_SCALARS[data["dtype"]](value)
    if tag == "dtype" and isinstance(value, str) and isinstance(getattr(torch, value[6:], None), torch.dtype):
        return getattr(torch, value[6:])
    if tag == "meta" and isinstance(data.get("shape"), list):
        dtype = getattr(torch, str(data.get("dtype", ""))[6:], torch.float32)
        return torch.empty(
            data["shape"], dtype=dtype if isinstance(dtype, torch.dtype) else None, device="meta"
        )
    if tag == "bigint" and isinstance(data.get("text"), str):
        return int(data["text"]) if data["text"].lstrip("-").isdigit() else math.inf
    if tag == "handle" and handles and isinstance(data.get("id"), int):
        return Handle(data["id"], str(data.get("type", "object"))[:60], bool(data.get("callable")))
    if tag in ("opaque", "handle"):
        return _opaque(str(data.get("type", "object")), str(data.get("text", "")))
    raise WireError(f"unknown or malformed entry {tag!r}")


def dumps(data: Any) -> bytes:
    """Encoded ``data`` as bytes."""
    buffer = io.BytesIO()
    torch.save(data, buffer)
    return buffer.getvalue()


def loads(payload: bytes) -> Any:
    """The encoded data in ``payload``; reading it runs no code (``weights_only=True``)."""
    if len(payload) > MAX_BYTES:
        raise WireError(f"the data is larger than {MAX_BYTES // 2**20} MiB")
    try:
        return torch.load(io.BytesIO(payload), weights_only=True, map_location="cpu")
    except Exception as error:  # any malformed bytes
        raise WireError(f"unreadable data ({type(error).__name__})") from None
