"""HTTP/1.1 pieces the proxy uses as pure code: HAProxy's error responses, head rewriting."""
