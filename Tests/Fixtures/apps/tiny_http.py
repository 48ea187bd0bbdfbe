"""The smallest HTTP/1.1 server the `command`-worker fixtures need: every request on the
listening socket gets the same body, then the connection is closed."""

import socket


def answer_forever(listener: socket.socket, body: bytes, content_type: str = "text/plain") -> None:
    head = (
        f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nConnection: close\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    while True:
        connection, _ = listener.accept()
        with connection:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = connection.recv(4096)
                if not chunk:
                    break
                request += chunk
            connection.sendall(head + body)
