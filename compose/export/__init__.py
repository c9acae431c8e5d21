"""A trained run as a file another program runs: StableHLO through jax.export, and ONNX
through jax2onnx (an optional extra); what `compose export` writes."""
