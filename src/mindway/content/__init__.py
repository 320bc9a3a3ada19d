"""Clinical and product content kept as data files, loaded and validated at start-up."""
