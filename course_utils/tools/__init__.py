"""Tools for teachers and maintainers: what runs from a shell, never inside a learner's kernel."""
