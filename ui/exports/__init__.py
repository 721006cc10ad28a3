"""Exports: files and code snippets made from a result, and the section that offers them."""
