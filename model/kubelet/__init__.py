"""The kubelet: what each node runs, and how it reports it through the API server."""
