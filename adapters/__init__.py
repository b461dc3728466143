"""The edges: brokers, market data, wire protocols and storage formats."""
