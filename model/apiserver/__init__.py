"""The API server: requests, responses, and the pure function that serves them."""
