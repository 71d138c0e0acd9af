#!/usr/bin/env python3
"""fake_isbn_server.py: a stand-in for the Open Library books API, so the
end-to-end tests of "fill from ISBN" never touch the network.

It answers GET /api/books?bibkeys=ISBN:<isbn>&format=json&jscmd=data the
way Open Library does: a JSON object with one "ISBN:<isbn>" entry per known
ISBN asked for, and {} when none is known. Two ISBNs misbehave on purpose:

    9780000000002  answers after SLOW_SECONDS (10 s): a timeout
    9780000000019  answers HTTP 500

Used as a module:

    import fake_isbn_server
    server, port = fake_isbn_server.start()          # port=0: any free one
    url = f"http://127.0.0.1:{port}/api/books?bibkeys=ISBN:{{isbn}}&format=json&jscmd=data"
    ...
    server.requests       # list of the paths asked for, in order
    server.books["9780000000026"] = {...}   # add a book for one test
    server.shutdown(); server.server_close()

or as a script, which prints the port on the first line and serves until
interrupted:

    python3 tests/e2e/fake_isbn_server.py [--port N]
"""
import argparse
import copy
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SLOW_ISBN = "9780000000002"
ERROR_ISBN = "9780000000019"
SLOW_SECONDS = 10

COVERS = "https://covers.openlibrary.org/b/id/{}-{}.jpg"


def _cover(cover_id):
    return {name: COVERS.format(cover_id, size)
            for name, size in (("small", "S"), ("medium", "M"), ("large", "L"))}


BOOKS = {
    "9780261102217": {
        "url": "https://openlibrary.org/books/OL21960335M/The_Hobbit",
        "key": "/books/OL21960335M",
        "title": "The Hobbit",
        "authors": [{"url": "https://openlibrary.org/authors/OL26320A",
                     "name": "J. R. R. Tolkien"}],
        "number_of_pages": 310,
        "publishers": [{"name": "HarperCollins"}],
        "publish_date": "1999",
        "subjects": [{"name": "Fantasy",
                      "url": "https://openlibrary.org/subjects/fantasy"}],
        "notes": "Bilbo Baggins goes on an adventure.",
        "cover": _cover(8406786),
    },
    "9780441172719": {
        "url": "https://openlibrary.org/books/OL7353617M/Dune",
        "key": "/books/OL7353617M",
        "title": "Dune",
        "authors": [{"url": "https://openlibrary.org/authors/OL79034A",
                     "name": "Frank Herbert"}],
        "number_of_pages": 535,
        "publishers": [{"name": "Ace Books"}],
        "publish_date": "September 1990",
        "subjects": [{"name": "Science fiction"}, {"name": "Desert planets"}],
        "excerpts": [{"text": "A beginning is the time for taking the most "
                              "delicate care that the balances are correct.",
                      "comment": "first sentence", "first_sentence": True}],
        "cover": _cover(6976463),
    },
    "9780552137034": {
        "url": "https://openlibrary.org/books/OL7286155M/Good_Omens",
        "key": "/books/OL7286155M",
        "title": "Good Omens",
        "subtitle": "The Nice and Accurate Prophecies of Agnes Nutter, Witch",
        "authors": [{"name": "Terry Pratchett"}, {"name": "Neil Gaiman"}],
        "number_of_pages": 384,
        "publishers": [{"name": "Corgi"}],
        "publish_date": "1991-09-12",
        "subjects": ["Humorous fiction", "Antichrist", "Angels"],
        "description": {"type": "/type/text",
                        "value": "The world will end on a Saturday."},
        "cover": {"medium": COVERS.format(8231993, "M")},
    },
}


class Handler(BaseHTTPRequestHandler):
    server_version = "FakeOpenLibrary/1"
    protocol_version = "HTTP/1.1"       # keep-alive, like the real one

    def log_message(self, fmt, *args):  # keep test output clean
        pass

    def _send(self, status, body, content_type="application/json"):
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.server.requests.append(self.path)
        url = urlsplit(self.path)
        if url.path != "/api/books":
            self._send(404, "Not Found", "text/plain")
            return
        query = parse_qs(url.query)
        keys = [k.strip() for v in query.get("bibkeys", [])
                for k in v.split(",") if k.strip()]
        isbns = [k[5:] for k in keys if k.startswith("ISBN:")]
        if ERROR_ISBN in isbns:
            self._send(500, "Internal Server Error", "text/plain")
            return
        if SLOW_ISBN in isbns:
            time.sleep(SLOW_SECONDS)
        answer = {}
        for key in keys:
            book = self.server.books.get(key[5:]) if key.startswith("ISBN:") else None
            if book is not None:
                answer[key] = book
        self._send(200, json.dumps(answer))


class FakeIsbnServer(ThreadingHTTPServer):
    daemon_threads = True          # a sleeping answer never blocks exit

    def __init__(self, address):
        super().__init__(address, Handler)
        self.requests = []
        self.books = copy.deepcopy(BOOKS)


def start(port=0):
    """Serve on 127.0.0.1:port (0: a free port) in a daemon thread.
    Returns (server, port); stop with server.shutdown(); server.server_close()."""
    server = FakeIsbnServer(("127.0.0.1", port))
    thread = threading.Thread(target=server.serve_forever, daemon=True,
                              name="fake-isbn-server")
    thread.start()
    return server, server.server_address[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server, port = start(args.port)
    print(port, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
