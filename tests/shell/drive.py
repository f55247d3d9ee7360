"""Drives `kubequery shell` through a real pseudo-terminal, as a user at a keyboard would.

    drive.py STEPS.json -- COMMAND [ARG...]

STEPS.json is a list of steps, each one of:
    {"send": "text"}            type text (use "\\r" for Enter, "\\t" for Tab)
    {"ctrl": "c"}               press Ctrl-C (or any Ctrl-letter)
    {"expect": "regex"}         wait (up to 30 s) until the output since the last expect matches
    {"sleep": seconds}
    {"exit": code}              wait for the process to exit with this status

Prints the transcript; exits 0 when every step passed, 1 (naming the step) otherwise.
"""

import json
import os
import pty
import re
import select
import sys
import time


def main():
    steps_file, command = sys.argv[1], sys.argv[sys.argv.index("--") + 1:]
    with open(steps_file) as f:
        steps = json.load(f)
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(command[0], command)
    transcript, unread = b"", b""

    def read(timeout):
        nonlocal transcript, unread
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(fd, 65536)
        except OSError:
            return None  # the child closed the terminal
        transcript += data
        unread += data
        return bool(data) or None

    def fail(index, step, why):
        sys.stdout.write(transcript.decode("utf-8", "replace"))
        print(f"\nFAILED step {index} {json.dumps(step)}: {why}")
        sys.exit(1)

    for index, step in enumerate(steps):
        if "send" in step:
            os.write(fd, step["send"].encode())
        elif "ctrl" in step:
            os.write(fd, bytes([ord(step["ctrl"].lower()) - ord("a") + 1]))
        elif "sleep" in step:
            deadline = time.time() + step["sleep"]
            while time.time() < deadline:
                read(max(0.0, deadline - time.time()))
        elif "expect" in step:
            pattern = re.compile(step["expect"].encode())
            deadline = time.time() + 30
            while not pattern.search(unread):
                if time.time() > deadline:
                    fail(index, step, "not seen within 30 s")
                if read(0.2) is None and not pattern.search(unread):
                    fail(index, step, "the shell closed the terminal")
            unread = unread[pattern.search(unread).end():]
        elif "exit" in step:
            deadline = time.time() + 30
            while True:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    break
                if time.time() > deadline:
                    fail(index, step, "still running after 30 s")
                read(0.1)
            code = os.waitstatus_to_exitcode(status)
            if code != step["exit"]:
                fail(index, step, f"exited with {code}")
    sys.stdout.write(transcript.decode("utf-8", "replace"))
    print("\nok")


if __name__ == "__main__":
    main()
