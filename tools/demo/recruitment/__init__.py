"""The recruitment part of the demo: each module seeds one aggregate through the API."""
