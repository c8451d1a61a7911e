"""Admission plugins, in kube-apiserver's order, as pure functions."""
