"""Chaos scenario scripts, runnable as ``tradeloop scenario NAME``."""
