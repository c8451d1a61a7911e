"""The HorizontalPodAutoscaler: replica calculation and scaling normalisation (pkg/controller/podautoscaler)."""
