"""Placeholder: being written in this session; replaced wholesale by its implementation."""
