"""Links: the classroom-link codec and the links between pages."""
