"""The model: its vocabulary, the Keras network and backends, the saved bundle and the numpy engine."""
