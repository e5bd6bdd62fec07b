"""Click counts the HTML does not carry: counter scripts, then a browser."""
