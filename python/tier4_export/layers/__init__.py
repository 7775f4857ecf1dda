"""Per-layer parity: reference activations of the eager model and ONNX graph surgery.

* :mod:`.capture`: hooks on every leaf module call, cloned inputs and outputs.
* :mod:`.store`: reference activations in an export dir (``layers/``, ``export_model(layers=True)``).
* :mod:`.scopes`: module scopes of torch.onnx node names.
* :mod:`.graph`: mapping leaf calls onto nodes; the instrumented and the local model.
* :mod:`.prepare`: the whole Python half for one export dir and sample (``docs/layers.md``).

Submodules are imported where they are used (``store`` needs only numpy; ``graph`` needs onnx).
"""
