"""The descheduler (kubernetes-sigs/descheduler), an optional component enabled by a DeschedulerPolicy."""
