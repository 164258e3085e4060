"""The exercise checks of each lesson, one module per notebook."""
