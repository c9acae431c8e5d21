"""The built model and looking inside it: building the Equinox module from a plan, every
node's activation and gradient (inspection), health flags, the first non-finite node,
per-node norms, and a 2-D model seen over the plane."""
