"""The HTTP service: a Flask app factory and one blueprint per concern."""
