"""Widgets, grouped by what a change touches: the layer (params: PoolSpec <-> widget state),
the input grid (inputs, grid text and presets in grid, the editor in grideditor, pictures in
picture and imagegrid), dL/dy (upstream), the Explorer's session (session), typed answers."""
