"""Agreement between reviewers' layers: span F1, kappa, alpha, link agreement and gamma."""
