"""Reading recipients from .eml files: seconds per file by recipient count.

    .venv/bin/python bench/bench_mailfile.py [--counts 1000 10000 100000]

Plain addresses and "Name, Quoted" <address> forms. Over the limit
(10,000) the file is refused; the time to refuse is printed. Prints
numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from safesend.mailfile import MailFileError, parse_message_bytes

FORMS = {"plain": "parent{i}@example.com", "named": '"Parent, {i}" <parent{i}@example.com>'}


def eml(count: int, form: str) -> bytes:
    to = ",\r\n ".join(FORMS[form].format(i=i) for i in range(count))
    return (f"From: Ms. Teacher <teacher@district.example.org>\r\nTo: {to}\r\n"
            "Subject: Field trip\r\n\r\nSee you Friday.\r\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--counts", type=int, nargs="+", default=[1000, 10_000, 100_000])
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"load average {os.getloadavg()[0]:.1f}")
    for count in args.counts:
        for form in FORMS:
            data = eml(count, form)
            start = time.perf_counter()
            try:
                message = parse_message_bytes(data, "bench.eml")
                outcome = f"{len(message.recipients())} recipients read"
            except MailFileError:
                outcome = "refused (over the limit)"
            print(f"{count:>7} {form:<5} recipients: {time.perf_counter() - start:7.3f} s  {outcome}")


if __name__ == "__main__":
    main()
