"""Sample market data shipped with the project (see :mod:`adapters.market._sample`)."""
