"""kube-controller-manager's controllers, each reading its informer cache and writing through the API server."""
