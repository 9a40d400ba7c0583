"""latent-liquid training pipeline: simulation data -> encoder / LSTM / decoder ONNX models.

Entry point: `python -m training.pipeline` (see training/README.md).
"""
