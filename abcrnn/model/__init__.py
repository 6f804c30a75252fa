"""The model: its vocabulary, the Keras network and backends, the saved bundle, the numpy engine and its bar pointer."""
