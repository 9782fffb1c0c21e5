"""A real SMTP server on 127.0.0.1 for tests, which can refuse connections, hang, or deliver.

- ``refuse()``: nothing listens on the port, so connecting fails at once (connection refused);
- ``hang()``: connections are accepted and never answered (no greeting), as a stuck server does;
- ``recover()``: it speaks enough SMTP for Django's backend and keeps every message it accepts.

The port stays the same throughout, so the shop's settings do not change between the phases.
"""

import email
import email.header
import socket
import threading
from email.message import Message


class FlakySMTPServer:
    def __init__(self):
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.mode = "refuse"
        self.messages: list[Message] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []

    # --- the phases ------------------------------------------------------------------------------
    def refuse(self) -> None:
        self.mode = "refuse"
        self._stop_listening()
        self._close_open()

    def hang(self) -> None:
        self.mode = "hang"
        self._listen()

    def recover(self) -> None:
        self.mode = "deliver"
        self._close_open()  # connections left hanging see their server go away
        self._listen()

    def stop(self) -> None:
        self.refuse()

    def subjects(self) -> list[str]:
        with self._lock:
            return [
                str(email.header.make_header(email.header.decode_header(m["Subject"]))) for m in self.messages
            ]

    # --- the socket ------------------------------------------------------------------------------
    def _listen(self) -> None:
        if self._listener is not None:
            return
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _stop_listening(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            listener.close()

    def _close_open(self) -> None:
        with self._lock:
            sockets, self._open = self._open, []
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                sock, _ = listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._open.append(sock)
            if self.mode == "deliver":
                threading.Thread(target=self._serve, args=(sock,), daemon=True).start()
            # "hang": keep the socket open and say nothing

    def _serve(self, sock: socket.socket) -> None:
        reader = sock.makefile("rb")
        try:
            sock.sendall(b"220 test ESMTP\r\n")
            while True:
                line = reader.readline()
                if not line:
                    return
                command = line.strip().split(b" ", 1)[0].upper()
                if command in (b"EHLO", b"HELO"):
                    sock.sendall(b"250-test\r\n250 8BITMIME\r\n")
                elif command in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                    sock.sendall(b"250 OK\r\n")
                elif command == b"DATA":
                    sock.sendall(b"354 go ahead\r\n")
                    data = []
                    while (chunk := reader.readline()) not in (b".\r\n", b""):
                        data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                    with self._lock:
                        self.messages.append(email.message_from_bytes(b"".join(data)))
                    sock.sendall(b"250 queued\r\n")
                elif command == b"QUIT":
                    sock.sendall(b"221 bye\r\n")
                    return
                else:
                    sock.sendall(b"502 not implemented\r\n")
        except OSError:
            return
        finally:
            reader.close()
            sock.close()
